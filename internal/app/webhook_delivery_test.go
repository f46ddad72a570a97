package app_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// hookReceiver records what a webhook receiver on loopback is sent.
type hookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []hookDelivery
}

type hookDelivery struct {
	id, timestamp, signature string
	body                     []byte
}

// payloadJSON is a delivery's body.
type payloadJSON struct {
	Type string `json:"type"`
	Data struct {
		ID       int64  `json:"id"`
		TicketID string `json:"ticket_id"`
		Type     string `json:"type"`
		Sequence int64  `json:"sequence"`
	} `json:"data"`
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, hookDelivery{req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"),
			req.Header.Get("webhook-signature"), body})
		_, _ = io.WriteString(w, "thanks")
	}))
	t.Cleanup(r.Close)
	return r
}

// await waits until n deliveries arrived and returns them.
func (r *hookReceiver) await(t *testing.T, n int) []hookDelivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		got := append([]hookDelivery(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d deliveries, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkSignature verifies a delivery with the endpoint's secret as a receiver
// following the Standard Webhooks specification would.
func checkSignature(t *testing.T, secret string, d hookDelivery) {
	t.Helper()
	if want := expectedSignature(t, secret, d); !slices.Contains(strings.Fields(d.signature), want) {
		t.Errorf("webhook-signature %q lacks %q", d.signature, want)
	}
	ts, err := strconv.ParseInt(d.timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("webhook-timestamp %q is not now", d.timestamp)
	}
}

func expectedSignature(t *testing.T, secret string, d hookDelivery) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(d.id + "." + d.timestamp + "." + string(d.body)))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type attemptJSON struct {
	EventID    int64  `json:"event_id"`
	WebhookID  string `json:"webhook_id"`
	Attempt    int    `json:"attempt"`
	Trigger    string `json:"trigger"`
	Succeeded  bool   `json:"succeeded"`
	StatusCode int    `json:"status_code"`
	Excerpt    string `json:"response_excerpt"`
}

func (in *instance) attempts(token, webhookID, query string) []attemptJSON {
	in.t.Helper()
	r := in.call(http.MethodGet, "/admin/webhooks/"+webhookID+"/attempts"+query, token, nil)
	expect(in.t, r, http.StatusOK)
	var list []attemptJSON
	r.json(in.t, &list)
	return list
}

// An admin's endpoint receives a customer's ticket events, signed; the
// attempts are listed; one event is redelivered and a range replayed with
// their first webhook-id; a customer-facing endpoint never receives a note.
func TestWebhookDeliveryThroughTheAPI(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			in := startApp(t, engine, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32"}, appOptions{webhooks: true})
			admin := in.newStaff(support.RoleAdmin)
			rcv := newHookReceiver(t)
			hook := in.createWebhook(admin.Token, map[string]any{"url": rcv.URL + "/hook"})
			customer := in.newUser()
			since := time.Now().Add(-time.Second)
			tk := in.createTicket(customer.Token, "Refund", "Please refund order 1234")
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/notes", admin.Token, map[string]string{"content": "VIP"}), http.StatusCreated)
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "Any news?"}), http.StatusCreated)

			got := rcv.await(t, 2)
			types := map[string]int64{}
			for _, d := range got {
				checkSignature(t, hook.Secret, d)
				var p payloadJSON
				if err := json.Unmarshal(d.body, &p); err != nil {
					t.Fatal(err)
				}
				if d.id != "evt_"+strconv.FormatInt(p.Data.ID, 10) || p.Data.TicketID != tk.ID {
					t.Errorf("delivery %s of event %d on ticket %s", d.id, p.Data.ID, p.Data.TicketID)
				}
				types[p.Type] = p.Data.Sequence
			}
			if types["ticket.created"] != 1 || types["ticket.message"] != 2 || len(types) != 2 {
				t.Errorf("deliveries by type and sequence %v; want created 1, message 2 (the note is not sent)", types)
			}

			var attempts []attemptJSON
			for deadline := time.Now().Add(10 * time.Second); len(attempts) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				attempts = in.attempts(admin.Token, hook.ID, "")
			}
			if len(attempts) != 2 || !attempts[0].Succeeded || attempts[0].StatusCode != 200 || attempts[0].Excerpt != "thanks" {
				t.Fatalf("attempts %+v: want two 200s answered thanks", attempts)
			}

			first := attempts[1]
			r := in.call(http.MethodPost, "/admin/webhooks/"+hook.ID+"/redeliver", admin.Token, map[string]any{"event_id": first.EventID})
			expect(t, r, http.StatusAccepted)
			if again := rcv.await(t, 3)[2]; again.id != first.WebhookID {
				t.Errorf("redelivery webhook-id %s, want the first delivery's %s", again.id, first.WebhookID)
			}
			r = in.call(http.MethodPost, "/admin/webhooks/"+hook.ID+"/replay", admin.Token, map[string]any{"since": since})
			expect(t, r, http.StatusAccepted)
			if !strings.Contains(string(r.body), `"enqueued":2`) {
				t.Errorf("replay answered %s; want 2 enqueued (created and message, not the note)", r.body)
			}
			rcv.await(t, 5)
			byEvent := in.attempts(admin.Token, hook.ID, "?event_id="+strconv.FormatInt(first.EventID, 10))
			triggers := map[string]bool{}
			for _, a := range byEvent {
				triggers[a.Trigger] = a.EventID == first.EventID
			}
			if len(byEvent) < 2 || !triggers["event"] || !triggers["redelivery"] {
				t.Errorf("attempts of event %d: %+v; want its first delivery and the redelivery", first.EventID, byEvent)
			}

			// During a rotation's grace each delivery carries both signatures.
			r = in.call(http.MethodPost, "/admin/webhooks/"+hook.ID+"/rotate-secret", admin.Token, map[string]any{"grace_seconds": 3600})
			expect(t, r, http.StatusOK)
			var rotated webhookJSON
			r.json(t, &rotated)
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "Hello?"}), http.StatusCreated)
			last := rcv.await(t, 6)[5]
			if sigs := strings.Fields(last.signature); len(sigs) != 2 {
				t.Errorf("webhook-signature %q during the grace: want two", last.signature)
			}
			checkSignature(t, rotated.Secret, last)
			checkSignature(t, hook.Secret, last)
		})
	}
}

// Redelivery and replay are for admins, of events that exist, to enabled
// endpoints; a range is required and ordered.
func TestWebhookRedeliveryRefusals(t *testing.T) {
	in := startApp(t, "sqlite", map[string]string{"WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32"}, appOptions{webhooks: true})
	admin, agent := in.newStaff(support.RoleAdmin), in.newStaff(support.RoleAgent)
	hook := in.createWebhook(admin.Token, map[string]any{"url": "http://127.0.0.1:9/hook"})
	path := "/admin/webhooks/" + hook.ID
	expect(t, in.call(http.MethodGet, path+"/attempts", agent.Token, nil), http.StatusForbidden)
	expect(t, in.call(http.MethodPost, path+"/redeliver", agent.Token, map[string]any{"event_id": 1}), http.StatusForbidden)
	expect(t, in.call(http.MethodPost, path+"/redeliver", admin.Token, map[string]any{"event_id": 999999}), http.StatusNotFound)
	expect(t, in.call(http.MethodPost, path+"/redeliver", admin.Token, map[string]any{"event_id": 0}), http.StatusUnprocessableEntity)
	expect(t, in.call(http.MethodPost, path+"/replay", admin.Token, map[string]any{}), http.StatusUnprocessableEntity)
	now := time.Now().UTC()
	expect(t, in.call(http.MethodPost, path+"/replay", admin.Token, map[string]any{"since": now, "until": now.Add(-time.Hour)}), http.StatusUnprocessableEntity)
	expect(t, in.call(http.MethodGet, path+"/attempts?cursor=abc", admin.Token, nil), http.StatusUnprocessableEntity)
	expect(t, in.call(http.MethodGet, "/admin/webhooks/"+"00000000-0000-0000-0000-000000000000/attempts", admin.Token, nil), http.StatusNotFound)
	expect(t, in.call(http.MethodPatch, path, admin.Token, map[string]any{"enabled": false}), http.StatusOK)
	r := in.call(http.MethodPost, path+"/replay", admin.Token, map[string]any{"since": now.Add(-time.Hour)})
	expect(t, r, http.StatusConflict)
	if !strings.Contains(string(r.body), "disabled") {
		t.Errorf("409 without saying the endpoint is disabled: %s", r.body)
	}
}
