package app_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Idempotency-Key through the real server: concurrent retries create one
// ticket and all get its answer; another body is 422; keys are per user
// (per client IP for signup) and expire after 24 hours, when the pruner
// deletes them; a 5xx is not kept.
func TestIdempotencyKeys(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			in, _ := startClocked(t, engine, nil, clk)
			u := in.newUser()
			key, body := uuid.NewString(), map[string]string{"title": "Charged twice", "description": "Once is enough."}
			post := func(token, path, key string, body any) response {
				return in.from("", http.MethodPost, path, token, body, "Idempotency-Key", key)
			}

			// Ten at once: one ticket, ten equal answers, nine of them replays.
			answers := make([]response, 10)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Go(func() { answers[i] = post(u.Token, "/tickets", key, body) })
			}
			wg.Wait()
			replayed := 0
			for _, r := range answers {
				if r.status != http.StatusCreated || string(r.body) != string(answers[0].body) {
					t.Fatalf("answers differ: %d %s vs %d %s", r.status, r.body, answers[0].status, answers[0].body)
				}
				if r.header.Get("Idempotent-Replayed") == "true" {
					replayed++
				}
			}
			if replayed != 9 {
				t.Errorf("%d answers replayed, want 9", replayed)
			}
			if n := in.countTickets(u.Token, body["title"]); n != 1 {
				t.Fatalf("%d tickets, want 1", n)
			}
			var tk ticketJSON
			answers[0].json(t, &tk)

			// The same key with another body, or on another route, is refused.
			r := post(u.Token, "/tickets", key, map[string]string{"title": "Charged three times"})
			expect(t, r, http.StatusUnprocessableEntity)
			if d := r.detail(t); !strings.Contains(d, "used with another request") {
				t.Errorf("422 detail %q", d)
			}
			expect(t, post(u.Token, "/tickets/"+tk.ID+"/messages", key, map[string]string{"content": "Hello"}),
				http.StatusUnprocessableEntity)
			// Another user's key is theirs alone.
			other := in.newUser()
			expect(t, post(other.Token, "/tickets", key, body), http.StatusCreated)
			// A malformed key.
			r = post(u.Token, "/tickets", `"unterminated`, body)
			expect(t, r, http.StatusBadRequest)
			r.detail(t)

			// Messages: a retried message is written once.
			msgKey, msg := uuid.NewString(), map[string]string{"content": "Any news?"}
			m1 := post(u.Token, "/tickets/"+tk.ID+"/messages", msgKey, msg)
			m2 := post(u.Token, "/tickets/"+tk.ID+"/messages", msgKey, msg)
			expect(t, m1, http.StatusCreated)
			if m2.status != m1.status || string(m2.body) != string(m1.body) || m2.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("message retry: %d %s %v", m2.status, m2.body, m2.header)
			}
			if n := len(in.thread(u.Token, tk.ID).Messages); n != 1 {
				t.Fatalf("%d messages, want 1", n)
			}

			// Signup: per client IP. The same key from another address runs (and
			// meets the account the first made).
			signupKey, cred := uuid.NewString(), map[string]string{"email": "idem-" + uuid.NewString() + "@example.com", "password": "correct horse battery"}
			s1 := in.from("192.0.2.1", http.MethodPost, "/auth/signup", "", cred, "Idempotency-Key", signupKey)
			s2 := in.from("192.0.2.1", http.MethodPost, "/auth/signup", "", cred, "Idempotency-Key", signupKey)
			s3 := in.from("192.0.2.2", http.MethodPost, "/auth/signup", "", cred, "Idempotency-Key", signupKey)
			expect(t, s1, http.StatusCreated)
			if s2.status != http.StatusCreated || string(s2.body) != string(s1.body) || s2.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("signup retry: %d %s", s2.status, s2.body)
			}
			if s3.status != http.StatusConflict || s3.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("signup from another address: %d %s, want its own 409", s3.status, s3.body)
			}

			// A 5xx is not kept: the retry runs.
			failKey := uuid.NewString()
			renameTickets(t, in, "tickets", "tickets_away")
			expect(t, post(u.Token, "/tickets", failKey, map[string]string{"title": "Flaky"}), http.StatusInternalServerError)
			renameTickets(t, in, "tickets_away", "tickets")
			r = post(u.Token, "/tickets", failKey, map[string]string{"title": "Flaky"})
			if r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("retry after a 500: %d %v", r.status, r.header)
			}

			// After 24 hours the key is forgotten: the same request runs again.
			clk.Advance(24*time.Hour + time.Second)
			// The pruner deletes the six keys kept above: two users' ticket keys, the
			// message's, the signup's from each address and the retried ticket's.
			if n, err := in.app.Server.Idempotency().Prune(t.Context()); err != nil || n != 6 {
				t.Fatalf("pruned %d, %v; want 6", n, err)
			}
			u.Token = in.login(u.Email, "correct horse battery") // the old token expired too
			r = post(u.Token, "/tickets", key, body)
			if r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("after 24 h: %d %v", r.status, r.header)
			}
			if n := in.countTickets(u.Token, body["title"]); n != 2 {
				t.Fatalf("%d tickets after the key expired, want 2", n)
			}
		})
	}
}

// countTickets counts the caller's tickets titled title.
func (in *instance) countTickets(token, title string) int {
	in.t.Helper()
	var list []ticketJSON
	in.call(http.MethodGet, "/tickets?limit=100", token, nil).json(in.t, &list)
	n := 0
	for _, tk := range list {
		if tk.Title == title {
			n++
		}
	}
	return n
}

// renameTickets renames the tickets table, so that creating a ticket fails
// with a 500 while the idempotency keys still work.
func renameTickets(t *testing.T, in *instance, from, to string) {
	t.Helper()
	if _, err := in.app.DB.SQL().ExecContext(t.Context(), "ALTER TABLE "+from+" RENAME TO "+to); err != nil {
		t.Fatal(err)
	}
}
