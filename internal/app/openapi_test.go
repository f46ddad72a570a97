package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/support"
)

// Empty lists are [] on the wire, never null, as the document promises (it types
// them as non-nullable arrays).
func TestEmptyListsAreArrays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		empty := func(path string) {
			t.Helper()
			r := in.call(http.MethodGet, path, u.Token, nil)
			expect(t, r, http.StatusOK)
			if got := strings.TrimSpace(string(r.body)); got != "[]" {
				t.Errorf("GET %s = %s, want []", path, got)
			}
		}
		empty("/tickets")
		tk := in.createTicket(u.Token, "Empty thread", "")
		empty("/tickets/" + tk.ID + "/messages")
		empty("/kb/articles?q=" + uuid.NewString())
		r := in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
		expect(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"messages":[]`) {
			t.Errorf("GET /tickets/{id} = %s, want \"messages\":[]", r.body)
		}
		// An article without tags has "tags":[]. A request's null for the optional
		// tags is still taken as absent, as before the document typed it array only.
		staff := in.newStaff(support.RoleAgent)
		r = in.call(http.MethodPost, "/kb/articles", staff.Token, map[string]any{"title": "No tags", "body": "Plain."})
		expect(t, r, http.StatusCreated)
		if !strings.Contains(string(r.body), `"tags":[]`) {
			t.Errorf("article without tags = %s, want \"tags\":[]", r.body)
		}
		r = in.call(http.MethodPost, "/kb/articles", staff.Token, map[string]any{"title": "Null tags", "body": "Plain.", "tags": nil})
		expect(t, r, http.StatusCreated)
		if !strings.Contains(string(r.body), `"tags":[]`) {
			t.Errorf("article with null tags = %s, want \"tags\":[]", r.body)
		}
	})
}

// The error examples in /openapi.json are what the server really answers.
func TestDocumentedErrorsAreReal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		documented := documentedErrors(t, in)
		u := in.newUser()
		missing := "/tickets/" + uuid.NewString()
		for _, c := range []struct {
			method, docPath, status string
			r                       response
		}{
			{"get", "/tickets", "401", in.call(http.MethodGet, "/tickets", "", nil)},
			{"post", "/auth/login", "401", in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email, "password": "not the password"})},
			{"post", "/auth/signup", "409", in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": u.Email, "password": "correct horse battery"})},
			{"get", "/tickets/{id}", "404", in.call(http.MethodGet, missing, u.Token, nil)},
			{"get", "/kb/articles/{id}", "404", in.call(http.MethodGet, "/kb/articles/"+uuid.NewString(), u.Token, nil)},
			{"post", "/kb/articles", "403", in.call(http.MethodPost, "/kb/articles", u.Token, map[string]string{"title": "Refunds", "body": "Within 14 days."})},
			{"post", "/tickets", "422", in.call(http.MethodPost, "/tickets", u.Token, map[string]string{})},
			{"get", "/tickets", "422", in.call(http.MethodGet, "/tickets?limit=ten", u.Token, nil)},
			{"get", "/tickets", "400", in.call(http.MethodGet, "/tickets?cursor=not-a-cursor", u.Token, nil)},
		} {
			want := documented(c.method, c.docPath, c.status)
			var got problemJSON
			c.r.json(t, &got)
			if want.Detail == "" || got.Detail != want.Detail || len(got.Errors) != len(want.Errors) {
				t.Errorf("%s %s %s: answered %s, documented %+v", c.method, c.docPath, c.status, c.r.body, want)
				continue
			}
			for i := range want.Errors {
				if got.Errors[i].Location != want.Errors[i].Location || got.Errors[i].Message != want.Errors[i].Message {
					t.Errorf("%s %s %s: error %+v, documented %+v", c.method, c.docPath, c.status, got.Errors[i], want.Errors[i])
				}
			}
		}
	})
}

type problemJSON struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// The documented 429 of the request rate limiter has the wording it really answers
// with (the figures are the limit's own).
func TestDocumentedRateLimitIsReal(t *testing.T) {
	in := start(t, "sqlite", map[string]string{"RATE_LIMIT_SIGNUP": "1/1h"})
	documented := documentedErrors(t, in)("post", "/auth/signup", "429").Detail
	body := func() map[string]string {
		return map[string]string{"email": "user-" + uuid.NewString() + "@example.com", "password": "correct horse battery"}
	}
	expect(t, in.call(http.MethodPost, "/auth/signup", "", body()), http.StatusCreated)
	r := in.call(http.MethodPost, "/auth/signup", "", body())
	expect(t, r, http.StatusTooManyRequests)
	got := r.detail(t)
	figures := regexp.MustCompile(`\d+ requests?`)
	if want := `rate limit "signup" exceeded: 1 request per hour; retry in 3600 s`; got != want {
		t.Errorf("429 detail %q, want %q", got, want)
	}
	if figures.ReplaceAllString(documented, "N") != figures.ReplaceAllString(strings.Replace(got, "retry in 3600 s", "retry in 12 s", 1), "N") {
		t.Errorf("documented 429 %q does not read like the real one %q", documented, got)
	}
}

// documentedErrors reads in's /openapi.json and returns the example of an error
// response by method, path and status.
func documentedErrors(t *testing.T, in *instance) func(method, path, status string) problemJSON {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	in.call(http.MethodGet, "/openapi.json", "", nil).json(t, &doc)
	return func(method, path, status string) (p problemJSON) {
		_ = json.Unmarshal(doc.Paths[path][method].Responses[status].Content["application/problem+json"].Example, &p)
		return p
	}
}
