package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// auditJSON is one entry of GET /admin/audit.
type auditJSON struct {
	ID         int64             `json:"id"`
	Action     string            `json:"action"`
	ActorID    string            `json:"actor_id"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	ClientIP   string            `json:"client_ip"`
	RequestID  string            `json:"request_id"`
	Detail     map[string]string `json:"detail"`
}

func (in *instance) audit(token, query string) []auditJSON {
	in.t.Helper()
	r := in.call(http.MethodGet, "/admin/audit"+query, token, nil)
	expect(in.t, r, http.StatusOK)
	var list []auditJSON
	r.json(in.t, &list)
	return list
}

// Security and staff actions are recorded, with who, on what, from where, and
// listed for admins newest first, by action, actor and target.
func TestAuditLogRecordsSecurityAndStaffActions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		expect(t, in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": "nobody@example.com",
			"password": "wrong password"}), http.StatusUnauthorized)
		r := in.call(http.MethodPost, "/admin/users", admin.Token, map[string]any{"email": "agent@example.com",
			"password": "a long agent passphrase", "role": "agent"})
		expect(t, r, http.StatusCreated)
		var agent accountJSON
		r.json(t, &agent)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{"role": "admin"}), http.StatusOK)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{"active": false}), http.StatusOK)
		expect(t, in.call(http.MethodPatch, "/admin/users/"+agent.ID, admin.Token, map[string]any{"active": true}), http.StatusOK)
		expect(t, in.call(http.MethodDelete, "/admin/users/"+agent.ID+"/sessions", admin.Token, nil), http.StatusNoContent)
		r = in.call(http.MethodPost, "/kb/articles", admin.Token, map[string]any{"title": "Audited", "body": "Text"})
		expect(t, r, http.StatusCreated)
		var article struct{ ID string }
		r.json(t, &article)
		expect(t, in.call(http.MethodDelete, "/kb/articles/"+article.ID, admin.Token, nil), http.StatusNoContent)
		u := in.newUser()
		p := in.loginPair(u.Email, "correct horse battery")
		next := in.refresh(p.RefreshToken, http.StatusOK)
		in.refresh(p.RefreshToken, http.StatusUnauthorized) // reuse
		// The reuse ended the session and refuses its access tokens at once.
		expect(t, in.call(http.MethodGet, "/auth/me", next.AccessToken, nil), http.StatusUnauthorized)
		fresh := in.loginPair(u.Email, "correct horse battery")
		expect(t, in.call(http.MethodPatch, "/auth/me", fresh.AccessToken, map[string]any{"password": "another long passphrase",
			"current_password": "correct horse battery"}), http.StatusOK)
		expect(t, in.call(http.MethodPost, "/auth/logout", in.loginPair(u.Email, "another long passphrase").AccessToken, nil),
			http.StatusNoContent)

		want := map[string]auditJSON{
			support.AuditLoginFailed:     {Detail: map[string]string{"account": "nobody@example.com"}},
			support.AuditAccountCreated:  {ActorID: admin.ID, TargetID: agent.ID, Detail: map[string]string{"role": "agent"}},
			support.AuditRoleChanged:     {ActorID: admin.ID, TargetID: agent.ID, Detail: map[string]string{"from": "agent", "to": "admin"}},
			support.AuditDeactivated:     {ActorID: admin.ID, TargetID: agent.ID},
			support.AuditReactivated:     {ActorID: admin.ID, TargetID: agent.ID},
			support.AuditSessionsEnded:   {ActorID: admin.ID, TargetID: agent.ID},
			support.AuditArticleCreated:  {ActorID: admin.ID, TargetID: article.ID},
			support.AuditArticleDeleted:  {ActorID: admin.ID, TargetID: article.ID},
			support.AuditRefreshReused:   {},
			support.AuditPasswordChanged: {ActorID: u.ID, TargetID: u.ID},
			support.AuditLogout:          {ActorID: u.ID},
			support.AuditLogin:           {ActorID: u.ID},
		}
		for action, w := range want {
			list := in.audit(admin.Token, "?action="+action)
			if len(list) == 0 {
				t.Errorf("%s: not recorded", action)
				continue
			}
			got := list[0]
			if got.Action != action || got.ActorID != w.ActorID || (w.TargetID != "" && got.TargetID != w.TargetID) ||
				got.ClientIP == "" || got.RequestID == "" {
				t.Errorf("%s: %+v, want %+v", action, got, w)
			}
			for k, v := range w.Detail {
				if got.Detail[k] != v {
					t.Errorf("%s: detail %v, want %s=%s", action, got.Detail, k, v)
				}
			}
		}
		byTarget := in.audit(admin.Token, "?target_id="+agent.ID)
		if len(byTarget) != 5 || byTarget[0].Action != support.AuditSessionsEnded || byTarget[4].Action != support.AuditAccountCreated {
			t.Errorf("by target, newest first: %+v", byTarget)
		}
		if byActor := in.audit(admin.Token, "?actor_id="+u.ID); len(byActor) < 4 {
			t.Errorf("by actor: %+v", byActor)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
		if later := in.audit(admin.Token, "?since="+future); len(later) != 0 {
			t.Errorf("since the future: %+v", later)
		}
	})
}

// Pages of the audit log, and who may read it.
func TestAuditLogPagesAndAccess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		admin := in.newStaff(support.RoleAdmin)
		for range 5 {
			in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": "x@example.com", "password": "wrong password"})
		}
		seen := map[int64]bool{}
		last := int64(1 << 62)
		path := "/admin/audit?action=" + support.AuditLoginFailed + "&limit=2"
		for path != "" {
			r := in.call(http.MethodGet, path, admin.Token, nil)
			expect(t, r, http.StatusOK)
			var page []auditJSON
			r.json(t, &page)
			for _, e := range page {
				if seen[e.ID] || e.ID >= last {
					t.Fatalf("entry %d out of order or repeated", e.ID)
				}
				seen[e.ID], last = true, e.ID
			}
			path = nextPath(t, r.header.Get("Link"))
		}
		if len(seen) != 5 {
			t.Fatalf("%d entries over the pages, want 5", len(seen))
		}
		expect(t, in.call(http.MethodGet, "/admin/audit?cursor=abc", admin.Token, nil), http.StatusBadRequest)
		r := in.call(http.MethodGet, "/admin/audit?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", admin.Token, nil)
		expect(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.detail(t)+string(r.body), "until") {
			t.Errorf("reversed range: %s", r.body)
		}
		expect(t, in.call(http.MethodGet, "/admin/audit?since=yesterday", admin.Token, nil), http.StatusUnprocessableEntity)
		expect(t, in.call(http.MethodGet, "/admin/audit", in.newStaff(support.RoleAgent).Token, nil), http.StatusForbidden)
		expect(t, in.call(http.MethodGet, "/admin/audit", in.newUser().Token, nil), http.StatusForbidden)
		expect(t, in.call(http.MethodGet, "/admin/audit", "", nil), http.StatusUnauthorized)
	})
}

// Start prunes the audit log to AUDIT_RETENTION at once (then hourly): older
// entries go, newer ones stay. With the retention off nothing is pruned.
func TestAuditRetention(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			for _, retention := range []string{"720h", "off"} {
				log := &logBuffer{}
				in := startApp(t, engine, map[string]string{"AUDIT_RETENTION": retention}, appOptions{log: log})
				now := time.Now().UTC().Truncate(time.Microsecond)
				for _, age := range []time.Duration{31 * 24 * time.Hour, 29 * 24 * time.Hour} {
					e := &support.AuditEntry{At: now.Add(-age), Action: support.AuditLogin, TargetID: "age " + age.String()}
					if err := in.app.DB.RecordAudit(t.Context(), e); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				in.app.Start(ctx)
				want := map[string]int{"720h": 1, "off": 2}[retention]
				deadline := time.Now().Add(10 * time.Second)
				for {
					kept, err := in.app.DB.ListAudit(t.Context(), support.AuditFilter{Action: support.AuditLogin, Limit: 10})
					if err != nil {
						t.Fatal(err)
					}
					if len(kept) == want && kept[0].TargetID == "age 696h0m0s" {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("AUDIT_RETENTION=%s: kept %+v, want %d entries", retention, kept, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
				if retention == "off" && log.Count("AUDIT_RETENTION is off") != 1 {
					t.Errorf("retention off is not logged:\n%s", log)
				}
			}
		})
	}
}
