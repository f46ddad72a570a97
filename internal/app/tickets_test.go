package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestTicketsContract(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Printer on fire", "Smoke everywhere")
		if tk.Status != "open" || tk.Title != "Printer on fire" || tk.Description != "Smoke everywhere" || tk.ID == "" ||
			tk.CreatedAt.IsZero() || !tk.UpdatedAt.Equal(tk.CreatedAt) || tk.CreatedAt.Location().String() != "UTC" {
			t.Fatalf("created ticket %+v", tk)
		}
		second := in.createTicket(u.Token, "Second", "")

		r := in.call(http.MethodGet, "/tickets", u.Token, nil)
		expect(t, r, http.StatusOK)
		var list []ticketJSON
		r.json(t, &list)
		if len(list) != 2 || list[0].ID != second.ID || list[1].ID != tk.ID {
			t.Fatalf("list not newest first: %s", r.body)
		}
		if r.header.Get("Link") != "" {
			t.Errorf("Link on the only page: %q", r.header.Get("Link"))
		}

		first := in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "hello"})
		expect(t, first, http.StatusCreated)
		var m messageJSON
		first.json(t, &m)
		if m.Sender != "user" || m.Content != "hello" || m.TicketID != tk.ID || m.ID == "" {
			t.Fatalf("message %s", first.body)
		}
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "again"}), http.StatusCreated)

		r = in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
		expect(t, r, http.StatusOK)
		var got ticketJSON
		r.json(t, &got)
		if len(got.Messages) != 2 || got.Messages[0].Content != "hello" || got.Messages[1].Content != "again" {
			t.Fatalf("thread not oldest first: %s", r.body)
		}
		if !got.UpdatedAt.Equal(got.Messages[1].CreatedAt) {
			t.Errorf("updated_at %v not bumped to last message %v", got.UpdatedAt, got.Messages[1].CreatedAt)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("missing security headers: %v", r.header)
		}
	})
}

func TestOtherUsersTicketIsNotFound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		alice, bob := in.newUser(), in.newUser()
		tk := in.createTicket(alice.Token, "Alice's", "private")
		missing := in.call(http.MethodGet, "/tickets/0193a0b0-0000-7000-8000-000000000000", bob.Token, nil)
		expect(t, missing, http.StatusNotFound)
		for _, r := range []response{
			in.call(http.MethodGet, "/tickets/"+tk.ID, bob.Token, nil),
			in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", bob.Token, map[string]string{"content": "mine now"}),
			in.call(http.MethodGet, "/tickets/"+tk.ID+"/ai-response", bob.Token, nil),
		} {
			expect(t, r, http.StatusNotFound)
			if string(r.body) != string(missing.body) {
				t.Errorf("other user's ticket body differs from a missing one:\n%s\n%s", r.body, missing.body)
			}
		}
		r := in.call(http.MethodGet, "/tickets", bob.Token, nil)
		expect(t, r, http.StatusOK)
		if strings.TrimSpace(string(r.body)) != "[]" {
			t.Errorf("bob sees %s", r.body)
		}
		got := in.call(http.MethodGet, "/tickets/"+tk.ID, alice.Token, nil)
		var gt ticketJSON
		got.json(t, &gt)
		if len(gt.Messages) != 0 {
			t.Errorf("bob's message was stored: %s", got.body)
		}
	})
}

func TestMalformedIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		for _, id := range []string{"1", "abc", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201=1--", strings.Repeat("a", 500)} {
			expect(t, in.call(http.MethodGet, "/tickets/"+id, u.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodPost, "/tickets/"+id+"/messages", u.Token, map[string]string{"content": "x"}), http.StatusNotFound)
		}
	})
}

func TestLimits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "limits", "")
		cases := []struct {
			name   string
			path   string
			body   map[string]any
			status int
		}{
			{"title 200", "/tickets", map[string]any{"title": strings.Repeat("t", 200)}, 201},
			{"title 200 multibyte", "/tickets", map[string]any{"title": strings.Repeat("日", 200)}, 201},
			{"title 200 plus spaces", "/tickets", map[string]any{"title": "  " + strings.Repeat("t", 200) + "  "}, 201},
			{"title 201", "/tickets", map[string]any{"title": strings.Repeat("t", 201)}, 422},
			{"title blank", "/tickets", map[string]any{"title": " \t\n "}, 422},
			{"title empty", "/tickets", map[string]any{"title": ""}, 422},
			{"title missing", "/tickets", map[string]any{"description": "x"}, 422},
			{"title not a string", "/tickets", map[string]any{"title": 42}, 422},
			{"title with NUL", "/tickets", map[string]any{"title": "a\x00b"}, 422},
			{"unknown field", "/tickets", map[string]any{"title": "x", "status": "closed"}, 422},
			{"description 10000", "/tickets", map[string]any{"title": "x", "description": strings.Repeat("d", 10000)}, 201},
			{"description 10001", "/tickets", map[string]any{"title": "x", "description": strings.Repeat("d", 10001)}, 422},
			{"content 10000", "/tickets/" + tk.ID + "/messages", map[string]any{"content": strings.Repeat("c", 10000)}, 201},
			{"content 10001", "/tickets/" + tk.ID + "/messages", map[string]any{"content": strings.Repeat("c", 10001)}, 422},
			{"content blank", "/tickets/" + tk.ID + "/messages", map[string]any{"content": "   "}, 422},
			{"content missing", "/tickets/" + tk.ID + "/messages", map[string]any{}, 422},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := in.call(http.MethodPost, c.path, u.Token, c.body)
				expect(t, r, c.status)
				if c.status >= 400 {
					r.detail(t)
				}
			})
		}
		t.Run("validation lists every bad field", func(t *testing.T) {
			r := in.call(http.MethodPost, "/tickets", u.Token, map[string]any{"title": "  ", "description": strings.Repeat("d", 10001)})
			expect(t, r, 422)
			var p struct{ Errors []struct{ Location string } }
			r.json(t, &p)
			if len(p.Errors) != 2 {
				t.Errorf("want 2 field errors, got %s", r.body)
			}
		})
		t.Run("3 MB body", func(t *testing.T) {
			body := `{"title":"big","description":"` + strings.Repeat("x", 3<<20) + `"}`
			r := in.do(http.MethodPost, "/tickets", u.Token, strings.NewReader(body), "application/json")
			expect(t, r, http.StatusRequestEntityTooLarge)
			r.detail(t)
		})
		t.Run("malformed JSON", func(t *testing.T) {
			r := in.do(http.MethodPost, "/tickets", u.Token, strings.NewReader(`{"title":`), "application/json")
			if r.status != 400 && r.status != 422 {
				t.Fatalf("status %d", r.status)
			}
			r.detail(t)
		})
		t.Run("limit clamps and rejects", func(t *testing.T) {
			expect(t, in.call(http.MethodGet, "/tickets?limit=1000", u.Token, nil), 200)
			expect(t, in.call(http.MethodGet, "/tickets?limit=-1", u.Token, nil), 422)
			expect(t, in.call(http.MethodGet, "/tickets?limit=abc", u.Token, nil), 422)
			r := in.call(http.MethodGet, "/tickets?cursor=not-a-cursor", u.Token, nil)
			expect(t, r, 400)
			r.detail(t)
		})
	})
}

func TestHostileTextRoundTrips(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		texts := []string{
			"Robert'); DROP TABLE tickets;--",
			"<script>alert('x')</script>&amp;\"quoted\"",
			"emoji 🎉👩‍💻 RTL עברית العربية, CJK 漢字, combining é",
			"line1\nline2\r\n\ttabbed \\ backslash \u2028 sep",
			"  leading and trailing spaces  ",
			"%s %d {{.}} ${HOME} $(rm -rf /)",
		}
		for _, text := range texts {
			tk := in.createTicket(u.Token, text, text)
			r := in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": text})
			expect(t, r, 201)
			got := in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
			var gt ticketJSON
			got.json(t, &gt)
			if gt.Title != text || gt.Description != text || gt.Messages[0].Content != text {
				t.Errorf("round trip changed %q: %+v", text, gt)
			}
		}
	})
}

func TestConcurrentCreates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		var wg sync.WaitGroup
		errs := make(chan string, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"title":"concurrent %d"}`, i)
				r := in.do(http.MethodPost, "/tickets", u.Token, bytes.NewReader([]byte(body)), "application/json")
				if r.status != 201 {
					errs <- fmt.Sprintf("%d: %s", r.status, r.body)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		seen := walkTickets(t, in, u.Token, 100, nil)
		if len(seen) != 40 {
			t.Errorf("stored %d tickets, want 40", len(seen))
		}
	})
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// walkTickets follows Link headers from the first page and returns each ticket id seen
// with how often; between pages it calls during (if set).
func walkTickets(t *testing.T, in *instance, token string, limit int, during func(page int)) map[string]int {
	t.Helper()
	seen := map[string]int{}
	next := fmt.Sprintf("/tickets?limit=%d", limit)
	for page := 0; next != ""; page++ {
		r := in.call(http.MethodGet, next, token, nil)
		expect(t, r, 200)
		var list []ticketJSON
		r.json(t, &list)
		if len(list) > limit {
			t.Fatalf("page of %d > limit %d", len(list), limit)
		}
		for _, tk := range list {
			seen[tk.ID]++
		}
		next = ""
		if m := nextLink.FindStringSubmatch(r.header.Get("Link")); m != nil {
			next = m[1]
		}
		if during != nil {
			during(page)
		}
	}
	return seen
}

func TestPaginationWhileCreating(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		var ids []string
		for i := range 53 {
			ids = append(ids, in.createTicket(u.Token, fmt.Sprintf("t%d", i), "").ID)
		}
		seen := walkTickets(t, in, u.Token, 10, func(page int) {
			in.createTicket(u.Token, fmt.Sprintf("new during page %d", page), "")
		})
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("ticket %s seen %d times", id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("ticket %s seen %d times", id, n)
			}
		}
		r := in.call(http.MethodGet, "/tickets", u.Token, nil)
		var list []ticketJSON
		r.json(t, &list)
		if len(list) != 50 || !strings.Contains(r.header.Get("Link"), `rel="next"`) {
			t.Errorf("default page: %d tickets, Link %q", len(list), r.header.Get("Link"))
		}
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		r := in.call(http.MethodGet, "/nope", "", nil)
		expect(t, r, 404)
		r.detail(t)
		r = in.call(http.MethodDelete, "/tickets", u.Token, nil)
		expect(t, r, 405)
		r.detail(t)
		if !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("Allow = %q", r.header.Get("Allow"))
		}
		r = in.do(http.MethodPost, "/tickets", u.Token, strings.NewReader("title=x"), "text/plain")
		expect(t, r, http.StatusUnsupportedMediaType)
		if d := r.detail(t); !strings.Contains(d, "Content-Type") {
			t.Errorf("415 detail %q does not say what is wrong", d)
		}
	})
}

func TestDocsAndOpenAPI(t *testing.T) {
	in := start(t, "sqlite", nil)
	r := in.call(http.MethodGet, "/openapi.json", "", nil)
	expect(t, r, 200)
	var doc struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	r.json(t, &doc)
	want := map[string][]string{
		"/auth/signup": {"post"}, "/auth/login": {"post"}, "/tickets": {"get", "post"},
		"/tickets/{id}": {"get"}, "/tickets/{id}/messages": {"post"}, "/tickets/{id}/ai-response": {"get"},
	}
	for path, methods := range want {
		for _, m := range methods {
			if doc.Paths[path][m] == nil {
				t.Errorf("openapi lacks %s %s", m, path)
			}
		}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Components.SecuritySchemes["oauth2"] == nil || doc.Components.SecuritySchemes["bearer"] == nil {
		t.Errorf("openapi header/security: %s %v", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
	r = in.call(http.MethodGet, "/docs", "", nil)
	expect(t, r, 200)
	if !strings.Contains(string(r.body), "swagger") {
		t.Errorf("/docs is not Swagger UI")
	}
	expect(t, in.call(http.MethodGet, "/healthz", "", nil), 200)
	expect(t, in.call(http.MethodGet, "/readyz", "", nil), 200)
}
