package app_test

import (
	"net/http"
	"testing"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// The reply stream confirms its caller's account while it reads the ticket (one
// round trip): a deleted user is still refused, before any question of the ticket.
func TestReplyStreamConfirmsTheCaller(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		owner, gone := in.newUser(), in.newUser()
		tk := in.createTicket(owner.Token, "Mine", "")
		goneTicket := in.createTicket(gone.Token, "Theirs", "")
		r := in.call(http.MethodPost, aiPath(goneTicket.ID)+"/token", gone.Token, nil)
		expect(t, r, http.StatusCreated)
		var st struct {
			URL string `json:"url"`
		}
		r.json(t, &st)
		deleteUser(t, in, gone.ID)

		for name, path := range map[string]string{
			"own ticket (deleted with the user)": aiPath(goneTicket.ID),
			"another user's ticket":              aiPath(tk.ID),
			"no such ticket":                     aiPath("0193a0b0-0000-7000-8000-000000000000"),
			"malformed ticket id":                aiPath("not-a-uuid"),
			"NUL in the ticket id":               aiPath("%00"),
		} {
			s := in.openStream(path, gone.Token, nil)
			if s.resp.StatusCode != http.StatusUnauthorized || s.resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("%s: deleted user got %d, WWW-Authenticate %q; want 401, Bearer", name,
					s.resp.StatusCode, s.resp.Header.Get("WWW-Authenticate"))
			}
		}
		if s := in.openStream(st.URL, "", nil); s.resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("deleted user's stream token: %d, want 401", s.resp.StatusCode)
		}

		// A live user: 404 for what it may not see, however the id looks (NUL and
		// invalid UTF-8 must not reach PostgreSQL, which would answer with an error).
		for _, path := range []string{aiPath("not-a-uuid"), aiPath("0193a0b0-0000-7000-8000-000000000000"),
			aiPath("%00"), aiPath("%FF%FE")} {
			if s := in.openStream(path, owner.Token, nil); s.resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, s.resp.StatusCode)
			}
		}
		if evs := in.openStream(aiPath(tk.ID), owner.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
			t.Fatalf("owner's stream: %+v", evs)
		}
		if n := fake.RequestCount(); n != 1 {
			t.Errorf("upstream saw %d requests; only the owner's should reach it", n)
		}
	})
}
