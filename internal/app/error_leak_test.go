package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/support"
)

// No error response repeats a password or more than a short excerpt of any value
// submitted, and none is much larger than a small request: a table of bad requests
// to every route that takes a body (and a few queries), each carrying a password
// and a 1 KiB marker.
func TestErrorBodiesLeakNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		pw := "leaky-pass-" + uuid.NewString()
		var m strings.Builder
		for m.Len() < 1024 {
			m.WriteString(strings.ReplaceAll(uuid.NewString(), "-", ""))
		}
		marker := m.String()[:1024]
		cust := in.newUser()
		staff := in.newStaff(support.RoleAgent)
		tk := in.createTicket(cust.Token, "Printer", "It does not print.")
		art := in.call(http.MethodPost, "/kb/articles", staff.Token, map[string]any{"title": "Leak test", "body": "## A\nText."})
		expect(t, art, http.StatusCreated)
		var article struct{ ID string }
		art.json(t, &article)

		js := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		const (
			jsonType = "application/json"
			formType = "application/x-www-form-urlencoded"
		)
		type req struct {
			name, method, path, token, ctype, body string
		}
		cases := []req{
			{"signup email of wrong type", "POST", "/auth/signup", "", jsonType, js(map[string]any{"email": 5, "password": pw})},
			{"signup marker email", "POST", "/auth/signup", "", jsonType, js(map[string]any{"email": marker, "password": pw})},
			{"signup marker email, numeric password", "POST", "/auth/signup", "", jsonType, js(map[string]any{"email": marker + "@example.com", "password": 12345678})},
			{"signup marker property", "POST", "/auth/signup", "", jsonType, js(map[string]any{"email": "a@example.com", "password": pw, marker: marker})},
			{"signup over-long password", "POST", "/auth/signup", "", jsonType, js(map[string]any{"email": "long@example.com", "password": strings.Repeat(pw, 6)})},
			{"signup malformed JSON", "POST", "/auth/signup", "", jsonType, `{"email": "` + marker + `", "password": "` + pw + `"`},
			{"signup form", "POST", "/auth/signup", "", formType, "email=" + marker + "&password=" + pw},
			{"login username of wrong type", "POST", "/auth/login", "", jsonType, js(map[string]any{"username": 5, "password": pw})},
			{"login malformed JSON", "POST", "/auth/login", "", jsonType, `{"username": "ada@example.com", "password": "` + pw + `",}`},
			{"login JSON garbage", "POST", "/auth/login", "", jsonType, `password=` + pw + marker},
			{"login marker username", "POST", "/auth/login", "", jsonType, js(map[string]any{"username": marker, "password": pw})},
			{"login bad grant type", "POST", "/auth/login", "", jsonType, js(map[string]any{"username": "a@example.com", "password": pw, "grant_type": marker})},
			{"login password of wrong type", "POST", "/auth/login", "", jsonType, js(map[string]any{"username": marker, "password": []string{pw, marker}})},
			{"login form bad grant type", "POST", "/auth/login", "", formType, url.Values{"username": {marker}, "password": {pw}, "grant_type": {marker}}.Encode()},
			{"login form without password", "POST", "/auth/login", "", formType, url.Values{"username": {marker}, "client_secret": {pw}}.Encode()},
			{"login JSON as form", "POST", "/auth/login", "", formType, js(map[string]any{"username": marker, "password": pw})},
			{"ticket fields of wrong type", "POST", "/tickets", cust.Token, jsonType, js(map[string]any{"title": marker, "description": 5})},
			{"ticket over-long title", "POST", "/tickets", cust.Token, jsonType, js(map[string]any{"title": marker, "description": marker})},
			{"ticket malformed JSON", "POST", "/tickets", cust.Token, jsonType, `{"title": "` + marker + `", "description": `},
			{"ticket marker property", "POST", "/tickets", cust.Token, jsonType, js(map[string]any{"title": "t", "description": "d", marker: pw})},
			{"message of wrong type", "POST", "/tickets/" + tk.ID + "/messages", cust.Token, jsonType, js(map[string]any{"content": 7, "password": pw, "x": marker})},
			{"message malformed JSON", "POST", "/tickets/" + tk.ID + "/messages", cust.Token, jsonType, `{"content": "` + marker + pw},
			{"message blank", "POST", "/tickets/" + tk.ID + "/messages", cust.Token, jsonType, js(map[string]any{"content": "   "})},
			{"article fields of wrong type", "POST", "/kb/articles", staff.Token, jsonType, js(map[string]any{"title": marker, "body": 5, "tags": []string{marker}})},
			{"article marker slug", "POST", "/kb/articles", staff.Token, jsonType, js(map[string]any{"slug": marker, "title": "t", "body": "b", "tags": []string{marker}})},
			{"article update malformed", "PUT", "/kb/articles/" + article.ID, staff.Token, jsonType, `{"title": "` + marker + `", "body": "` + pw},
			{"article update marker tags", "PUT", "/kb/articles/" + article.ID, staff.Token, jsonType, js(map[string]any{"title": "t", "body": "b", "tags": []string{marker, marker}})},
			{"list with marker limit", "GET", "/tickets?limit=" + marker, cust.Token, "", ""},
			{"list with marker cursor", "GET", "/tickets?cursor=" + marker, cust.Token, "", ""},
			{"stream token marker", "GET", "/tickets/" + tk.ID + "/ai-response?stream_token=" + marker, "", "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var body *strings.Reader
				if c.body != "" {
					body = strings.NewReader(c.body)
				}
				var r response
				if body != nil {
					r = in.do(c.method, c.path, c.token, body, c.ctype)
				} else {
					r = in.do(c.method, c.path, c.token, nil, c.ctype)
				}
				if r.status < 400 || r.status >= 500 {
					t.Fatalf("status %d, want a 4xx; body %s", r.status, r.body)
				}
				r.detail(t)
				got := string(r.body)
				if strings.Contains(got, pw) || strings.Contains(got, marker[:40]) {
					t.Errorf("error body repeats a password or more than an excerpt:\n%s", got)
				}
				if len(r.body) > 2048 {
					t.Errorf("error body of %d bytes for a request of %d", len(r.body), len(c.body)+len(c.path))
				}
			})
		}
	})
}
