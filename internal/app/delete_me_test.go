package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/support"
)

// A customer deletes their account with their password: it can no longer be
// used, its email is free again, and its tickets stay readable to staff with
// the customer anonymised.
func TestDeleteMeAnonymisesTheAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		u := in.newUser()
		p := in.loginPair(u.Email, "correct horse battery")
		tk := in.createTicket(u.Token, "Please forget me", "but answer this first")
		expect(t, in.call(http.MethodDelete, "/auth/me", u.Token, map[string]any{"password": "wrong password"}),
			http.StatusUnprocessableEntity)
		expect(t, in.call(http.MethodDelete, "/auth/me", u.Token, map[string]any{"password": "correct horse battery"}),
			http.StatusNoContent)
		expect(t, in.call(http.MethodGet, "/auth/me", u.Token, nil), http.StatusUnauthorized)
		in.refresh(p.RefreshToken, http.StatusUnauthorized)
		expect(t, in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email,
			"password": "correct horse battery"}), http.StatusUnauthorized)

		r := in.call(http.MethodGet, "/tickets/"+tk.ID, admin.Token, nil)
		expect(t, r, http.StatusOK)
		r = in.call(http.MethodGet, "/admin/users/"+u.ID, admin.Token, nil)
		expect(t, r, http.StatusOK)
		var acct struct {
			Email     string  `json:"email"`
			Name      string  `json:"name"`
			Active    bool    `json:"active"`
			DeletedAt *string `json:"deleted_at"`
		}
		r.json(t, &acct)
		if acct.Active || acct.DeletedAt == nil || strings.Contains(acct.Email, "user-") || acct.Name != "" {
			t.Fatalf("deleted account as admins see it: %+v", acct)
		}
		// The address can sign up again, as a new account.
		again := in.signupLogin(u.Email, "a different passphrase")
		if again.ID == u.ID {
			t.Fatal("signup revived the deleted account")
		}
		expect(t, in.call(http.MethodGet, "/tickets/"+tk.ID, again.Token, nil), http.StatusNotFound)

		// The last active admin cannot delete itself.
		expect(t, in.call(http.MethodDelete, "/auth/me", admin.Token, map[string]any{"password": "correct horse battery"}),
			http.StatusConflict)
	})
}

// The export holds the caller's account, sessions, tickets with their messages
// and audit entries, and nothing of anyone else's (nor any password hash).
func TestExportMe(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		other := in.newUser()
		mine := in.createTicket(u.Token, "My export", "what do you hold about me?")
		expect(t, in.call(http.MethodPost, "/tickets/"+mine.ID+"/messages", u.Token, map[string]string{"content": "a follow-up"}),
			http.StatusCreated)
		in.createTicket(other.Token, "Not mine", "someone else's secret words")
		r := in.call(http.MethodGet, "/auth/me/export", u.Token, nil)
		expect(t, r, http.StatusOK)
		if !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.header)
		}
		var x struct {
			Account  struct{ ID, Email string }
			Sessions []struct {
				ID string `json:"id"`
			}
			Tickets []struct {
				ID       string `json:"id"`
				Messages []struct {
					Content string `json:"content"`
				}
			}
			Audit []struct {
				Action string `json:"action"`
			}
		}
		r.json(t, &x)
		if x.Account.ID != u.ID || x.Account.Email != u.Email || len(x.Sessions) != 1 || len(x.Tickets) != 1 ||
			x.Tickets[0].ID != mine.ID || len(x.Tickets[0].Messages) != 1 || x.Tickets[0].Messages[0].Content != "a follow-up" {
			t.Fatalf("export %s", r.body)
		}
		if len(x.Audit) == 0 || x.Audit[0].Action != support.AuditLogin {
			t.Errorf("audit part %+v", x.Audit)
		}
		for _, leak := range []string{"someone else's", other.Email, "argon2", "password_hash"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("export holds %q", leak)
			}
		}
		expect(t, in.call(http.MethodGet, "/auth/me/export", "", nil), http.StatusUnauthorized)
	})
}
