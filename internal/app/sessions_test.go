package app_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// tokenPair is a login's or a refresh's token response.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (in *instance) loginPair(email, password string) tokenPair {
	in.t.Helper()
	r := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": email, "password": password})
	expect(in.t, r, http.StatusOK)
	var p tokenPair
	r.json(in.t, &p)
	if p.TokenType != "bearer" || p.AccessToken == "" || !strings.HasPrefix(p.RefreshToken, "sdrt_") {
		in.t.Fatalf("token response %s", r.body)
	}
	return p
}

// refresh spends a refresh token; want is the status expected.
func (in *instance) refresh(token string, want int) tokenPair {
	in.t.Helper()
	r := in.call(http.MethodPost, "/auth/refresh", "", map[string]string{"refresh_token": token})
	expect(in.t, r, want)
	var p tokenPair
	if want == http.StatusOK {
		r.json(in.t, &p)
		if r.header.Get("Cache-Control") != "no-store" {
			in.t.Errorf("refresh response Cache-Control %q", r.header.Get("Cache-Control"))
		}
	}
	return p
}

// Each refresh token works once and hands out the next; presenting a spent one
// again ends the session, so the thief's and the owner's copies both stop working.
func TestRefreshTokensRotateAndReuseEndsTheSession(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		first := in.loginPair(u.Email, "correct horse battery")
		second := in.refresh(first.RefreshToken, http.StatusOK)
		if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
			t.Fatalf("refresh gave %+v", second)
		}
		expect(t, in.call(http.MethodGet, "/tickets", second.AccessToken, nil), http.StatusOK)
		third := in.refresh(second.RefreshToken, http.StatusOK)
		in.refresh(first.RefreshToken, http.StatusUnauthorized) // reuse: the session ends
		in.refresh(third.RefreshToken, http.StatusUnauthorized)
		expect(t, in.call(http.MethodGet, "/tickets", third.AccessToken, nil), http.StatusUnauthorized)
		// A refresh token is no access token (RFC 8725 3.12), nor the reverse.
		expect(t, in.call(http.MethodGet, "/tickets", first.RefreshToken, nil), http.StatusUnauthorized)
		for _, bad := range []string{"", "sdrt_unknown", "not-a-refresh-token", strings.Repeat("x", 150), first.AccessToken} {
			r := in.call(http.MethodPost, "/auth/refresh", "", map[string]string{"refresh_token": bad})
			if r.status != http.StatusUnauthorized && r.status != http.StatusUnprocessableEntity {
				t.Errorf("refresh %q: %d", bad, r.status)
			}
		}
		// Another login is another session, untouched.
		in.refresh(in.loginPair(u.Email, "correct horse battery").RefreshToken, http.StatusOK)
	})
}

// Two refreshes with the same token at once: at most one succeeds, and the
// session ends (one of them was a copy).
func TestConcurrentRefreshesOfOneToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		p := in.loginPair(u.Email, "correct horse battery")
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		bodies := make([]tokenPair, 2)
		for i := range 2 {
			wg.Go(func() {
				r := in.call(http.MethodPost, "/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken})
				statuses[i] = r.status
				if r.status == http.StatusOK {
					r.json(t, &bodies[i])
				}
			})
		}
		wg.Wait()
		ok := 0
		for i, s := range statuses {
			if s == http.StatusOK {
				ok++
				in.refresh(bodies[i].RefreshToken, http.StatusUnauthorized)
			}
		}
		if ok > 1 {
			t.Fatalf("statuses %v: one refresh token was spent twice", statuses)
		}
	})
}

// A session expires after REFRESH_TOKEN_TTL unused (each refresh moves that on)
// and SESSION_MAX_AGE after the login, however often it is used.
func TestRefreshTokensExpire(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clock := newClock()
			in := startApp(t, engine, map[string]string{"REFRESH_TOKEN_TTL": "1h", "SESSION_MAX_AGE": "2h"}, appOptions{clock: clock})
			u := in.newUser()
			p := in.loginPair(u.Email, "correct horse battery")
			clock.Advance(50 * time.Minute)
			p = in.refresh(p.RefreshToken, http.StatusOK)
			clock.Advance(50 * time.Minute) // 100 minutes after login, 50 after the refresh
			p = in.refresh(p.RefreshToken, http.StatusOK)
			clock.Advance(61 * time.Minute)
			in.refresh(p.RefreshToken, http.StatusUnauthorized)

			p = in.loginPair(u.Email, "correct horse battery")
			for range 2 {
				clock.Advance(50 * time.Minute)
				p = in.refresh(p.RefreshToken, http.StatusOK)
			}
			clock.Advance(50 * time.Minute) // 50 minutes idle, but 150 since the login
			in.refresh(p.RefreshToken, http.StatusUnauthorized)
		})
	}
}

// Logout ends the session at the next request: its access and refresh tokens
// stop working. Other devices' access tokens too, but their sessions live on:
// they refresh.
func TestLogoutTakesEffectOnTheNextRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		phone := in.loginPair(u.Email, "correct horse battery")
		laptop := in.loginPair(u.Email, "correct horse battery")
		expect(t, in.call(http.MethodPost, "/auth/logout", phone.AccessToken, nil), http.StatusNoContent)
		expect(t, in.call(http.MethodGet, "/tickets", phone.AccessToken, nil), http.StatusUnauthorized)
		in.refresh(phone.RefreshToken, http.StatusUnauthorized)
		expect(t, in.call(http.MethodGet, "/tickets", laptop.AccessToken, nil), http.StatusUnauthorized)
		renewed := in.refresh(laptop.RefreshToken, http.StatusOK)
		expect(t, in.call(http.MethodGet, "/tickets", renewed.AccessToken, nil), http.StatusOK)
		expect(t, in.call(http.MethodPost, "/auth/logout", "", nil), http.StatusUnauthorized)
	})
}

// Ending sessions and deactivating an account also revoke its refresh tokens.
func TestAdminActionsRevokeRefreshTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		u := in.newUser()
		p := in.loginPair(u.Email, "correct horse battery")
		expect(t, in.call(http.MethodDelete, "/admin/users/"+u.ID+"/sessions", admin.Token, nil), http.StatusNoContent)
		in.refresh(p.RefreshToken, http.StatusUnauthorized)

		p = in.loginPair(u.Email, "correct horse battery")
		expect(t, in.call(http.MethodPatch, "/admin/users/"+u.ID, admin.Token, map[string]any{"active": false}), http.StatusOK)
		in.refresh(p.RefreshToken, http.StatusUnauthorized)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+u.ID, admin.Token, map[string]any{"active": true}), http.StatusOK)
		in.refresh(p.RefreshToken, http.StatusUnauthorized) // reactivation does not revive old sessions
	})
}

// GET and PATCH /auth/me: the name, and a password change that needs the current
// password, refuses common ones, and ends every other session and every older
// access token; this session refreshes.
func TestMeAndPasswordChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		here := in.loginPair(u.Email, "correct horse battery")
		there := in.loginPair(u.Email, "correct horse battery")
		r := in.call(http.MethodGet, "/auth/me", here.AccessToken, nil)
		expect(t, r, http.StatusOK)
		var me struct{ ID, Email, Name, Role string }
		r.json(t, &me)
		if me.ID != u.ID || me.Email != u.Email || me.Role != "customer" || me.Name != "" {
			t.Fatalf("me %+v", me)
		}
		r = in.call(http.MethodPatch, "/auth/me", here.AccessToken, map[string]any{"name": "Ada", "role": "admin"})
		expect(t, r, http.StatusUnprocessableEntity) // no role from the client
		r = in.call(http.MethodPatch, "/auth/me", here.AccessToken, map[string]any{"name": "  Ada  "})
		expect(t, r, http.StatusOK)
		r.json(t, &me)
		if me.Name != "Ada" || me.Role != "customer" {
			t.Fatalf("after name change %+v", me)
		}
		for _, bad := range []map[string]any{
			{}, // nothing to change
			{"name": strings.Repeat("n", 101)},
			{"password": "a brand new passphrase", "current_password": "wrong password"},
			{"password": "a brand new passphrase"},
			{"password": "qwertyuiop", "current_password": "correct horse battery"},
			{"password": "short", "current_password": "correct horse battery"},
		} {
			expect(t, in.call(http.MethodPatch, "/auth/me", here.AccessToken, bad), http.StatusUnprocessableEntity)
		}
		expect(t, in.call(http.MethodPatch, "/auth/me", here.AccessToken, map[string]any{"password": "a brand new passphrase",
			"current_password": "correct horse battery"}), http.StatusOK)
		for _, tok := range []string{here.AccessToken, there.AccessToken} {
			expect(t, in.call(http.MethodGet, "/auth/me", tok, nil), http.StatusUnauthorized)
		}
		in.refresh(there.RefreshToken, http.StatusUnauthorized)
		renewed := in.refresh(here.RefreshToken, http.StatusOK)
		expect(t, in.call(http.MethodGet, "/auth/me", renewed.AccessToken, nil), http.StatusOK)
		expect(t, in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email,
			"password": "correct horse battery"}), http.StatusUnauthorized)
		in.loginPair(u.Email, "a brand new passphrase")
	})
}
