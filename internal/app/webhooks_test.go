package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// stubResolver answers the webhook hosts tests register; every instance uses it
// (harness_test.go), so no test looks a name up on the network.
type stubResolver struct{}

var stubHosts = map[string][]string{
	"hooks.example.com":  {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"}, // public
	"rebind.example.com": {"127.0.0.1"},
	"mixed.example.com":  {"93.184.215.14", "10.0.0.1"},
}

func (stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := stubHosts[strings.ToLower(strings.TrimSuffix(host, "."))]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = netip.MustParseAddr(a)
	}
	return out, nil
}

// webhookJSON is an endpoint as the API shows it; Secret only in the answers
// to a registration and a rotation.
type webhookJSON struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Description             string   `json:"description"`
	EventTypes              []string `json:"event_types"`
	Internal                bool     `json:"internal"`
	Enabled                 bool     `json:"enabled"`
	DisabledReason          string   `json:"disabled_reason"`
	DisabledAt              *string  `json:"disabled_at"`
	PreviousSecretExpiresAt *string  `json:"previous_secret_expires_at"`
	CreatedBy               string   `json:"created_by"`
	Secret                  string   `json:"secret"`
}

func (in *instance) createWebhook(token string, body map[string]any) webhookJSON {
	in.t.Helper()
	r := in.call(http.MethodPost, "/admin/webhooks", token, body)
	expect(in.t, r, http.StatusCreated)
	var w webhookJSON
	r.json(in.t, &w)
	return w
}

// noSecret fails if a response shows a secret.
func noSecret(t *testing.T, r response, secrets ...string) {
	t.Helper()
	if strings.Contains(string(r.body), `"secret"`) || strings.Contains(string(r.body), "whsec_") {
		t.Fatalf("response shows a secret: %s", r.body)
	}
	for _, s := range secrets {
		if strings.Contains(string(r.body), strings.TrimPrefix(s, "whsec_")) {
			t.Fatalf("response shows the secret: %s", r.body)
		}
	}
}

// An admin registers, lists, reads, changes, rotates and deletes an endpoint;
// the secret is shown once, stored sealed, and every change is audited.
func TestWebhooksAdminManagesEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		r := in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": "https://hooks.example.com/in?t=1",
			"description": "  CRM sync ", "event_types": []string{"status", "message", "status"}})
		expect(t, r, http.StatusCreated)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q on the answer holding the secret", cc)
		}
		var w webhookJSON
		r.json(t, &w)
		if !strings.HasPrefix(w.Secret, "whsec_") || w.URL != "https://hooks.example.com/in?t=1" || w.Description != "CRM sync" ||
			fmt.Sprint(w.EventTypes) != "[message status]" || w.Internal || !w.Enabled || w.CreatedBy != admin.ID || w.PreviousSecretExpiresAt != nil {
			t.Fatalf("created %+v", w)
		}
		// Stored sealed: the column holds neither the secret nor its key.
		var sealed string
		if err := in.app.DB.SQL().QueryRowContext(t.Context(), "SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1",
			w.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || strings.Contains(sealed, w.Secret) || strings.Contains(sealed, strings.TrimPrefix(w.Secret, "whsec_")) {
			t.Fatalf("stored secret column %q shows the secret", sealed)
		}

		r = in.call(http.MethodGet, "/admin/webhooks/"+w.ID, admin.Token, nil)
		expect(t, r, http.StatusOK)
		noSecret(t, r, w.Secret)
		r = in.call(http.MethodGet, "/admin/webhooks", admin.Token, nil)
		expect(t, r, http.StatusOK)
		noSecret(t, r, w.Secret)
		var list []webhookJSON
		r.json(t, &list)
		if len(list) != 1 || list[0].ID != w.ID {
			t.Fatalf("list %+v", list)
		}

		// Changes: disabling records why, re-enabling clears it.
		r = in.call(http.MethodPatch, "/admin/webhooks/"+w.ID, admin.Token, map[string]any{"enabled": false, "event_types": []string{}})
		expect(t, r, http.StatusOK)
		noSecret(t, r, w.Secret)
		var got webhookJSON
		r.json(t, &got)
		if got.Enabled || got.DisabledReason == "" || got.DisabledAt == nil || len(got.EventTypes) != 0 {
			t.Fatalf("disabled %+v", got)
		}
		r = in.call(http.MethodPatch, "/admin/webhooks/"+w.ID, admin.Token, map[string]any{"enabled": true, "internal": true,
			"event_types": []string{"note"}, "url": "https://hooks.example.com/v2"})
		expect(t, r, http.StatusOK)
		got = webhookJSON{}
		r.json(t, &got)
		if !got.Enabled || got.DisabledReason != "" || got.DisabledAt != nil || !got.Internal || got.URL != "https://hooks.example.com/v2" {
			t.Fatalf("re-enabled %+v", got)
		}
		for name, body := range map[string]map[string]any{
			"empty":                 {},
			"unknown event type":    {"event_types": []string{"ticket.exploded"}},
			"note without internal": {"internal": false},
			"long description":      {"description": strings.Repeat("d", 501)},
			"refused url":           {"url": "https://10.0.0.1/hook"},
		} {
			r := in.call(http.MethodPatch, "/admin/webhooks/"+w.ID, admin.Token, body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422; body %s", name, r.status, r.body)
			}
		}
		expect(t, in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": "https://hooks.example.com/",
			"event_types": []string{"note"}}), http.StatusUnprocessableEntity) // staff-only events need internal
		expect(t, in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": "https://hooks.example.com/" +
			strings.Repeat("p", 2048)}), http.StatusUnprocessableEntity)

		// Rotation: a new secret once, the old one kept for the grace period.
		r = in.call(http.MethodPost, "/admin/webhooks/"+w.ID+"/rotate-secret", admin.Token, map[string]any{"grace_seconds": 3600})
		expect(t, r, http.StatusOK)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q on the rotation's answer", cc)
		}
		var rotated webhookJSON
		r.json(t, &rotated)
		if !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == w.Secret || rotated.PreviousSecretExpiresAt == nil {
			t.Fatalf("rotated %+v", rotated)
		}
		expect(t, in.call(http.MethodPost, "/admin/webhooks/"+w.ID+"/rotate-secret", admin.Token, nil), http.StatusOK) // default grace
		expect(t, in.call(http.MethodPost, "/admin/webhooks/"+w.ID+"/rotate-secret", admin.Token,
			map[string]any{"grace_seconds": 8 * 24 * 3600}), http.StatusUnprocessableEntity)
		noSecret(t, in.call(http.MethodGet, "/admin/webhooks/"+w.ID, admin.Token, nil), w.Secret, rotated.Secret)

		expect(t, in.call(http.MethodDelete, "/admin/webhooks/"+w.ID, admin.Token, nil), http.StatusNoContent)
		for _, id := range []string{w.ID, "not-an-id"} {
			expect(t, in.call(http.MethodGet, "/admin/webhooks/"+id, admin.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodPatch, "/admin/webhooks/"+id, admin.Token, map[string]any{"enabled": true}), http.StatusNotFound)
			expect(t, in.call(http.MethodPost, "/admin/webhooks/"+id+"/rotate-secret", admin.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodDelete, "/admin/webhooks/"+id, admin.Token, nil), http.StatusNotFound)
		}

		entries := in.audit(admin.Token, "?target_id="+w.ID)
		var actions []string
		for _, e := range entries {
			if e.ActorID != admin.ID || e.TargetType != "webhook" {
				t.Fatalf("audit entry %+v", e)
			}
			actions = append(actions, e.Action)
		}
		want := "[webhook.deleted webhook.secret_rotated webhook.secret_rotated webhook.updated webhook.updated webhook.created]"
		if fmt.Sprint(actions) != want {
			t.Fatalf("audit %v, want %v", actions, want)
		}
		for _, e := range entries {
			if strings.Contains(fmt.Sprint(e.Detail), "whsec_") {
				t.Fatalf("audit detail shows a secret: %+v", e)
			}
		}
	})
}

// Agents and customers are refused every operation, whatever the id.
func TestWebhooksAreForAdminsOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		w := in.createWebhook(admin.Token, map[string]any{"url": "https://hooks.example.com/in"})
		for _, u := range []user{in.newStaff(support.RoleAgent), in.newUser()} {
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, "/admin/webhooks", nil},
				{http.MethodPost, "/admin/webhooks", map[string]any{"url": "https://hooks.example.com/mine"}},
				{http.MethodGet, "/admin/webhooks/" + w.ID, nil},
				{http.MethodPatch, "/admin/webhooks/" + w.ID, map[string]any{"internal": true}},
				{http.MethodPost, "/admin/webhooks/" + w.ID + "/rotate-secret", nil},
				{http.MethodDelete, "/admin/webhooks/" + w.ID, nil},
			} {
				r := in.call(c.method, c.path, u.Token, c.body)
				if r.status != http.StatusForbidden || !strings.Contains(r.detail(t), "admins") {
					t.Fatalf("%s %s: %d %s, want 403", c.method, c.path, r.status, r.body)
				}
			}
		}
		r := in.call(http.MethodGet, "/admin/webhooks/"+w.ID, admin.Token, nil)
		var got webhookJSON
		r.json(t, &got)
		if got.Internal || got.URL != "https://hooks.example.com/in" {
			t.Fatalf("changed by a refused caller: %+v", got)
		}
	})
}

// Registration refuses URLs reaching the service's own network, each with a
// detail naming why, without connecting anywhere (names resolve through the stub).
func TestWebhookURLsRefusedAtRegistration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		for url, why := range map[string]string{
			"https://127.0.0.1/hook":                   "loopback",
			"https://10.0.0.1/hook":                    "private",
			"https://169.254.169.254/latest/meta-data": "cloud metadata",
			"https://[::1]:8443/hook":                  "loopback",
			"https://rebind.example.com/hook":          "loopback", // a name resolving to 127.0.0.1
			"https://mixed.example.com/hook":           "private",  // one bad address is enough
			"http://hooks.example.com/hook":            "https",    // a public host over plain http
			"https://nowhere.example.com/hook":         "resolve",
			"ftp://hooks.example.com/hook":             "scheme",
			"https://user:pw@hooks.example.com/hook":   "credentials",
			"https://2130706433/hook":                  "numeric host",
			"http://127.0.0.1:9999/hook":               "loopback",
		} {
			r := in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": url})
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d, want 422; body %s", url, r.status, r.body)
			}
			if d := r.detail(t); !strings.Contains(d, why) {
				t.Fatalf("%s: detail %q does not say %q", url, d, why)
			}
		}
		r := in.call(http.MethodGet, "/admin/webhooks", admin.Token, nil)
		if strings.TrimSpace(string(r.body)) != "[]" {
			t.Fatalf("refused URLs were stored: %s", r.body)
		}
	})
}

// WEBHOOK_ALLOW_PRIVATE lets an operator name a private receiver (tests use
// loopback): http is then accepted for it, and only for it.
func TestWebhookAllowPrivateAcceptsLoopback(t *testing.T) {
	forEachEngineWith(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32"}, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		in.createWebhook(admin.Token, map[string]any{"url": "http://127.0.0.1:9999/hook"})
		in.createWebhook(admin.Token, map[string]any{"url": "http://rebind.example.com:9999/hook"})
		for _, url := range []string{"https://10.0.0.1/hook", "http://[::1]:9999/hook", "http://hooks.example.com/hook"} {
			expect(t, in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": url}), http.StatusUnprocessableEntity)
		}
	})
}

// At most 50 endpoints: the 51st is a conflict, and a deletion makes room.
func TestWebhookEndpointLimit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		var first webhookJSON
		for i := range support.MaxWebhookEndpoints {
			w := in.createWebhook(admin.Token, map[string]any{"url": fmt.Sprintf("https://hooks.example.com/%d", i)})
			if i == 0 {
				first = w
			}
		}
		r := in.call(http.MethodPost, "/admin/webhooks", admin.Token, map[string]any{"url": "https://hooks.example.com/51"})
		expect(t, r, http.StatusConflict)
		if d := r.detail(t); !strings.Contains(d, "50") {
			t.Fatalf("detail %q", d)
		}
		seen, path := 0, "/admin/webhooks?limit=20"
		for path != "" {
			r := in.call(http.MethodGet, path, admin.Token, nil)
			expect(t, r, http.StatusOK)
			var page []webhookJSON
			r.json(t, &page)
			seen += len(page)
			path = nextPath(t, r.header.Get("Link"))
		}
		if seen != support.MaxWebhookEndpoints {
			t.Fatalf("listed %d endpoints in pages, want %d", seen, support.MaxWebhookEndpoints)
		}
		expect(t, in.call(http.MethodDelete, "/admin/webhooks/"+first.ID, admin.Token, nil), http.StatusNoContent)
		in.createWebhook(admin.Token, map[string]any{"url": "https://hooks.example.com/51"})
	})
}

// A rotated-out secret signs next to the new one for the grace period, then
// no more; the secrets the dispatcher gets are the ones the admin was shown.
func TestWebhookActiveSecretsDuringGrace(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			in := startApp(t, engine, nil, appOptions{clock: clk})
			admin := in.newStaff(support.RoleAdmin)
			actor := support.Actor{UserID: admin.ID, Role: support.RoleAdmin}
			w := in.createWebhook(admin.Token, map[string]any{"url": "https://hooks.example.com/in"})
			active := func() []string {
				t.Helper()
				e, err := in.app.Webhooks.Webhook(t.Context(), actor, w.ID)
				if err != nil {
					t.Fatal(err)
				}
				secrets, err := in.app.Webhooks.ActiveSecrets(e, clk.Now())
				if err != nil {
					t.Fatal(err)
				}
				out := make([]string, len(secrets))
				for i, s := range secrets {
					out[i] = s.Reveal()
				}
				return out
			}
			if got := active(); len(got) != 1 || got[0] != w.Secret {
				t.Fatalf("before rotation: %d secrets, want the one shown", len(got))
			}
			r := in.call(http.MethodPost, "/admin/webhooks/"+w.ID+"/rotate-secret", admin.Token, map[string]any{"grace_seconds": 3600})
			expect(t, r, http.StatusOK)
			var rotated webhookJSON
			r.json(t, &rotated)
			if got := active(); len(got) != 2 || got[0] != rotated.Secret || got[1] != w.Secret {
				t.Fatalf("during grace: %d secrets, want the new one then the old one", len(got))
			}
			if exp, _ := time.Parse(time.RFC3339Nano, *rotated.PreviousSecretExpiresAt); !exp.Equal(clk.Now().Add(time.Hour).Truncate(time.Microsecond)) {
				t.Fatalf("previous_secret_expires_at %s, want now+1h", *rotated.PreviousSecretExpiresAt)
			}
			clk.Advance(time.Hour)
			admin.Token = in.login(admin.Email, "correct horse battery") // the old access token has expired
			if got := active(); len(got) != 1 || got[0] != rotated.Secret {
				t.Fatalf("after grace: %d secrets, want the new one only", len(got))
			}
			r = in.call(http.MethodPost, "/admin/webhooks/"+w.ID+"/rotate-secret", admin.Token, map[string]any{"grace_seconds": 0})
			expect(t, r, http.StatusOK)
			var again webhookJSON
			r.json(t, &again)
			if got := active(); len(got) != 1 || got[0] != again.Secret || again.PreviousSecretExpiresAt != nil {
				t.Fatalf("grace 0: %d secrets, previous %v", len(got), again.PreviousSecretExpiresAt)
			}
			// A sealed secret moved onto another endpoint's row does not open there.
			other := in.createWebhook(admin.Token, map[string]any{"url": "https://hooks.example.com/other"})
			if _, err := in.app.DB.SQL().ExecContext(t.Context(),
				"UPDATE webhook_endpoints SET secret_ciphertext = (SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1) WHERE id = $2",
				w.ID, other.ID); err != nil {
				t.Fatal(err)
			}
			e, err := in.app.Webhooks.Webhook(t.Context(), actor, other.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := in.app.Webhooks.ActiveSecrets(e, clk.Now()); err == nil {
				t.Fatal("a secret sealed for another endpoint opened")
			}
		})
	}
}
