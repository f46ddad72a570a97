package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/support"
)

// accountJSON is an account as GET /admin/users shows it.
type accountJSON struct {
	ID            string  `json:"id"`
	Email         string  `json:"email"`
	Name          string  `json:"name"`
	Role          string  `json:"role"`
	Active        bool    `json:"active"`
	DeactivatedAt *string `json:"deactivated_at"`
}

// An admin creates an agent, who then works as one; lists, searches, reads and
// changes accounts.
func TestAdminManagesAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		r := in.call(http.MethodPost, "/admin/users", admin.Token, map[string]any{"email": "Ada.Agent@Example.com",
			"password": "a long agent passphrase", "name": "Ada Agent", "role": "agent"})
		expect(t, r, http.StatusCreated)
		var agent accountJSON
		r.json(t, &agent)
		if agent.Role != "agent" || agent.Name != "Ada Agent" || !agent.Active || agent.DeactivatedAt != nil {
			t.Fatalf("created %+v", agent)
		}
		agentToken := in.login("Ada.Agent@Example.com", "a long agent passphrase")
		expect(t, in.call(http.MethodGet, "/tickets", agentToken, nil), http.StatusOK)
		expect(t, in.call(http.MethodPost, "/admin/users", admin.Token, map[string]any{"email": "ada.agent@example.com",
			"password": "another passphrase", "role": "agent"}), http.StatusConflict)

		in.newUser() // a customer the searches below must not return
		list := in.accounts(admin.Token, "?role=agent&q=ADA.AGENT")
		if len(list) != 1 || list[0].ID != agent.ID {
			t.Fatalf("role=agent&q=ADA.AGENT: %+v", list)
		}
		if list := in.accounts(admin.Token, "?q=ada%20agent"); len(list) != 1 || list[0].ID != agent.ID {
			t.Fatalf("search by name: %+v", list)
		}
		expect(t, in.call(http.MethodGet, "/admin/users/"+agent.ID, admin.Token, nil), http.StatusOK)
		expect(t, in.call(http.MethodGet, "/admin/users/0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5e", admin.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodGet, "/admin/users/not-an-id", admin.Token, nil), http.StatusNotFound)

		r = in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{"name": "Ada Lovelace", "role": "admin"})
		expect(t, r, http.StatusOK)
		r.json(t, &agent)
		if agent.Role != "admin" || agent.Name != "Ada Lovelace" {
			t.Fatalf("changed %+v", agent)
		}
		expect(t, in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{}), http.StatusUnprocessableEntity)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{"role": "root"}),
			http.StatusUnprocessableEntity)
	})
}

// Pages of accounts follow the Link header with the filters kept.
func TestAdminListsAccountsInPages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		for range 5 {
			in.newStaff(support.RoleAgent)
		}
		seen := map[string]bool{}
		path := "/admin/users?role=agent&limit=2"
		for pages := 0; path != ""; pages++ {
			r := in.call(http.MethodGet, path, admin.Token, nil)
			expect(t, r, http.StatusOK)
			var page []accountJSON
			r.json(t, &page)
			for _, a := range page {
				if a.Role != "agent" || seen[a.ID] {
					t.Fatalf("page %d: %+v (seen before: %v)", pages, a, seen[a.ID])
				}
				seen[a.ID] = true
			}
			path = nextPath(t, r.header.Get("Link"))
			if pages > 5 {
				t.Fatal("too many pages")
			}
		}
		if len(seen) != 5 {
			t.Fatalf("%d agents listed, want 5", len(seen))
		}
		expect(t, in.call(http.MethodGet, "/admin/users?cursor=garbage", admin.Token, nil), http.StatusBadRequest)
		expect(t, in.call(http.MethodGet, "/admin/users?status=sleeping", admin.Token, nil), http.StatusUnprocessableEntity)
	})
}

// nextPath is the path and query of a Link header's rel="next" target, or "".
func nextPath(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		return ""
	}
	target, _, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	if !ok {
		t.Fatalf("Link %q", link)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func (in *instance) accounts(token, query string) []accountJSON {
	in.t.Helper()
	r := in.call(http.MethodGet, "/admin/users"+query, token, nil)
	expect(in.t, r, http.StatusOK)
	var list []accountJSON
	r.json(in.t, &list)
	return list
}

// Only admins manage accounts: agents and customers get 403, anonymous callers 401.
func TestOnlyAdminsManageAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		target := in.newUser()
		for _, who := range []struct {
			token string
			want  int
		}{{in.newStaff(support.RoleAgent).Token, http.StatusForbidden}, {in.newUser().Token, http.StatusForbidden},
			{"", http.StatusUnauthorized}} {
			expect(t, in.call(http.MethodGet, "/admin/users", who.token, nil), who.want)
			expect(t, in.call(http.MethodGet, "/admin/users/"+target.ID, who.token, nil), who.want)
			expect(t, in.call(http.MethodPost, "/admin/users", who.token, map[string]any{"email": "x@example.com",
				"password": "a long passphrase", "role": "admin"}), who.want)
			expect(t, in.call(http.MethodPatch, "/admin/users/"+target.ID, who.token, map[string]any{"role": "admin"}), who.want)
			expect(t, in.call(http.MethodDelete, "/admin/users/"+target.ID+"/sessions", who.token, nil), who.want)
		}
		// The target is still a customer with its session.
		expect(t, in.call(http.MethodGet, "/tickets", target.Token, nil), http.StatusOK)
	})
}

// A deactivation takes effect on the very next request of every token the
// account holds, the AI reply stream included; the account cannot log in until
// reactivated, and its old tokens stay dead.
func TestDeactivationTakesEffectOnTheNextRequest(t *testing.T) {
	for _, cache := range []string{"0s", "1m"} {
		t.Run("AUTH_CACHE_TTL="+cache, func(t *testing.T) {
			for _, engine := range engines(t) {
				t.Run(engine, func(t *testing.T) {
					t.Parallel()
					in := start(t, engine, map[string]string{"AUTH_CACHE_TTL": cache})
					admin := in.newStaff(support.RoleAdmin)
					u := in.newUser()
					second := in.login(u.Email, "correct horse battery")
					tk := in.createTicket(u.Token, "Deactivation", "soon")
					expect(t, in.call(http.MethodPatch, "/admin/users/"+u.ID, admin.Token, map[string]any{"active": false}), http.StatusOK)
					for _, tok := range []string{u.Token, second} {
						r := in.call(http.MethodGet, "/tickets", tok, nil)
						expect(t, r, http.StatusUnauthorized)
						if !strings.Contains(r.detail(t), "deactivated") {
							t.Errorf("detail %q", r.detail(t))
						}
					}
					expect(t, in.call(http.MethodGet, aiPath(tk.ID), u.Token, nil), http.StatusUnauthorized)
					r := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email, "password": "correct horse battery"})
					expect(t, r, http.StatusUnauthorized)
					if !strings.Contains(r.detail(t), "deactivated") {
						t.Errorf("login detail %q", r.detail(t))
					}
					if list := in.accounts(admin.Token, "?status=deactivated"); len(list) != 1 || list[0].ID != u.ID || list[0].DeactivatedAt == nil {
						t.Fatalf("deactivated accounts %+v", list)
					}
					expect(t, in.call(http.MethodPatch, "/admin/users/"+u.ID, admin.Token, map[string]any{"active": true}), http.StatusOK)
					expect(t, in.call(http.MethodGet, "/tickets", u.Token, nil), http.StatusUnauthorized) // still ended
					fresh := in.login(u.Email, "correct horse battery")
					expect(t, in.call(http.MethodGet, "/tickets/"+tk.ID, fresh, nil), http.StatusOK)
				})
			}
		})
	}
}

// A role change applies from the account's next request, with the same token.
func TestRoleChangeTakesEffectOnTheNextRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		customer := in.newUser()
		others := in.createTicket(in.newUser().Token, "Someone else's", "ticket")
		expect(t, in.call(http.MethodGet, "/tickets/"+others.ID, customer.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+customer.ID, admin.Token, map[string]any{"role": "agent"}), http.StatusOK)
		expect(t, in.call(http.MethodGet, "/tickets/"+others.ID, customer.Token, nil), http.StatusOK)
		expect(t, in.call(http.MethodGet, "/admin/users", customer.Token, nil), http.StatusForbidden)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+customer.ID, admin.Token, map[string]any{"role": "admin"}), http.StatusOK)
		expect(t, in.call(http.MethodGet, "/admin/users", customer.Token, nil), http.StatusOK)
	})
}

// Ending an account's sessions refuses its tokens from the next request; it can
// log in again.
func TestAdminEndsSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		u := in.newUser()
		expect(t, in.call(http.MethodDelete, "/admin/users/"+u.ID+"/sessions", admin.Token, nil), http.StatusNoContent)
		r := in.call(http.MethodGet, "/tickets", u.Token, nil)
		expect(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.detail(t), "session has ended") {
			t.Errorf("detail %q", r.detail(t))
		}
		expect(t, in.call(http.MethodGet, "/tickets", in.login(u.Email, "correct horse battery"), nil), http.StatusOK)
		expect(t, in.call(http.MethodDelete, "/admin/users/0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5e/sessions", admin.Token, nil),
			http.StatusNotFound)
	})
}

// The desk always keeps an active admin: the last one can neither lose the role
// nor be deactivated, until another admin exists.
func TestLastAdminStays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		for _, change := range []map[string]any{{"role": "agent"}, {"active": false}} {
			r := in.call(http.MethodPatch, "/admin/users/"+admin.ID, admin.Token, change)
			expect(t, r, http.StatusConflict)
			if !strings.Contains(r.detail(t), "last active admin") {
				t.Errorf("detail %q", r.detail(t))
			}
		}
		other := in.newStaff(support.RoleAdmin)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+admin.ID, other.Token, map[string]any{"role": "agent"}), http.StatusOK)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+other.ID, other.Token, map[string]any{"active": false}), http.StatusConflict)
	})
}

// ADMIN_EMAIL and ADMIN_PASSWORD create the first admin at start-up, once; they
// are ignored while an admin exists, and a password the rules refuse stops the start.
func TestFirstAdminFromEnvironment(t *testing.T) {
	env := map[string]string{"ADMIN_EMAIL": "root@example.com", "ADMIN_PASSWORD": "the first admin's passphrase"}
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			in := start(t, engine, env)
			for range 2 { // a restart finds the admin and does nothing
				if err := in.app.EnsureAdmin(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			token := in.login("root@example.com", "the first admin's passphrase")
			if list := in.accounts(token, "?role=admin"); len(list) != 1 || list[0].Email != "root@example.com" {
				t.Fatalf("admins %+v, want exactly the first", list)
			}

			staffed := start(t, engine, map[string]string{"ADMIN_EMAIL": "late@example.com", "ADMIN_PASSWORD": "a late passphrase"})
			staffed.newStaff(support.RoleAdmin)
			if err := staffed.app.EnsureAdmin(context.Background()); err != nil {
				t.Fatal(err)
			}
			expect(t, staffed.call(http.MethodPost, "/auth/login", "", map[string]string{"username": "late@example.com",
				"password": "a late passphrase"}), http.StatusUnauthorized)

			weak := start(t, engine, map[string]string{"ADMIN_EMAIL": "weak@example.com", "ADMIN_PASSWORD": "short"})
			if err := weak.app.EnsureAdmin(context.Background()); err == nil || !strings.Contains(err.Error(), "ADMIN_EMAIL") {
				t.Fatalf("a refused password: %v, want an error naming ADMIN_EMAIL", err)
			}
		})
	}
}
