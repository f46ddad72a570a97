package delivery_test

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/webhook/delivery"
	"github.com/supportd/supportd/internal/webhook/signature"
)

// wait bounds every wait for a delivery; with a 50 ms poll they take well under a second.
const wait = 15 * time.Second

// testSecret signs every test delivery: the Standard Webhooks specification's example key.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type staticSigner struct{ s signature.Secret }

func (s staticSigner) ActiveSecrets(*support.WebhookEndpoint, time.Time) ([]signature.Secret, error) {
	return []signature.Secret{s.s}, nil
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook receiver on loopback whose answers a test scripts.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	arrived chan struct{}
	answer  func(n int, w http.ResponseWriter) // n counts requests from 1
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{arrived: make(chan struct{}, 1000), answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, at: time.Now()})
		n := len(r.got)
		r.mu.Unlock()
		r.arrived <- struct{}{}
		r.answer(n, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func ok(int, http.ResponseWriter) {}

// await waits for n requests in all and returns them.
func (r *receiver) await(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		got := append([]received(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("receiver got %d requests, want %d", len(got), n)
		}
	}
}

// fixture is a database with a customer's ticket and delivery running.
type fixture struct {
	db       *store.DB
	svc      *delivery.Service
	customer *support.User
	ticket   *support.Ticket
}

// testLog shows delivery's warnings in a failing test's output.
var testLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// loopback lets deliveries reach the test receivers (WEBHOOK_ALLOW_PRIVATE).
var loopback = netguard.New(netguard.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

func testOptions(db *store.DB) delivery.Options {
	secret, err := signature.ParseSecret(testSecret)
	if err != nil {
		panic(err)
	}
	return delivery.Options{Store: db, Signer: staticSigner{secret}, Policy: loopback, Log: testLog,
		PollInterval: 50 * time.Millisecond, RetryBase: 50 * time.Millisecond}
}

// start runs delivery on db with o (Driver filled in) until the test ends.
func start(t *testing.T, db *store.DB, o delivery.Options) *delivery.Service {
	t.Helper()
	driver, err := db.QueueDriver()
	if err != nil {
		t.Fatal(err)
	}
	o.Driver = driver
	svc, err := delivery.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	return svc
}

func newFixture(t *testing.T, engine string, o func(*delivery.Options)) *fixture {
	t.Helper()
	db := storetest.Open(t, engine)
	opts := testOptions(db)
	if o != nil {
		o(&opts)
	}
	svc := start(t, db, opts)
	db.OnEventsCommitted(svc.Wake)
	return &fixture{db: db, svc: svc, customer: newCustomer(t, db)}
}

func newCustomer(t *testing.T, db *store.DB) *support.User {
	t.Helper()
	u := &support.User{Email: uuid.NewString() + "@example.com", PasswordHash: "h", Role: support.RoleCustomer}
	u.EmailKey = u.Email
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// endpoint registers url for every event type a customer-facing endpoint gets.
func (f *fixture) endpoint(t *testing.T, url string, internal bool) *support.WebhookEndpoint {
	t.Helper()
	now := time.Now().UTC()
	e := &support.WebhookEndpoint{ID: uuid.NewString(), URL: url, Internal: internal, Enabled: true,
		SecretSealed: "sealed", CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateWebhookEndpoint(t.Context(), e, support.MaxWebhookEndpoints); err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *fixture) openTicket(t *testing.T) {
	t.Helper()
	f.ticket = &support.Ticket{CustomerID: f.customer.ID, Title: "Refund", Description: "Please"}
	if err := f.db.CreateTicket(t.Context(), f.ticket); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) message(t *testing.T) {
	t.Helper()
	m := &support.Message{ID: uuid.NewString(), TicketID: f.ticket.ID, AuthorID: f.customer.ID, Sender: support.SenderUser, Content: "m"}
	if err := f.db.AddMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) attempts(t *testing.T, endpointID string) []support.WebhookAttempt {
	t.Helper()
	list, err := f.db.ListWebhookAttempts(t.Context(), support.WebhookAttemptFilter{EndpointID: endpointID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// awaitAttempts waits until the endpoint has n attempts recorded, newest first.
func (f *fixture) awaitAttempts(t *testing.T, endpointID string, n int) []support.WebhookAttempt {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		list := f.attempts(t, endpointID)
		if len(list) >= n {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts recorded, want %d", len(list), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// verify checks a delivery's signature as a receiver would, from the
// specification alone (not with the signature package that made it).
func verify(t *testing.T, r received) {
	t.Helper()
	id, ts := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(r.body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := r.header.Get("webhook-signature"); got != want {
		t.Errorf("webhook-signature = %q, want %q", got, want)
	}
}

func decode(t *testing.T, body []byte) delivery.Payload {
	t.Helper()
	var p delivery.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("payload %s: %v", body, err)
	}
	return p
}

func TestDeliversEachEventOnceSignedInOrder(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, engine, nil)
			rcv := newReceiver(t, ok)
			ep := f.endpoint(t, rcv.URL, false)
			f.openTicket(t)
			f.message(t)
			note := &support.Note{ID: uuid.NewString(), TicketID: f.ticket.ID, AuthorID: f.customer.ID, Content: "internal"}
			if err := f.db.AddNote(t.Context(), note); err != nil {
				t.Fatal(err)
			}
			f.message(t)
			got := rcv.await(t, 3)
			time.Sleep(300 * time.Millisecond) // nothing more may come: not the note, no duplicate
			if got = rcv.await(t, 3); len(got) != 3 {
				t.Fatalf("got %d deliveries, want 3 (created, message, message)", len(got))
			}
			// Deliveries run in parallel and may arrive in any order: the
			// sequence numbers order them.
			slices.SortFunc(got, func(a, b received) int {
				return cmp.Compare(decode(t, a.body).Data.Sequence, decode(t, b.body).Data.Sequence)
			})
			wantTypes := []string{"ticket.created", "ticket.message", "ticket.message"}
			for i, r := range got {
				verify(t, r)
				p := decode(t, r.body)
				if p.Type != wantTypes[i] || p.Data.Sequence != int64(i+1) || p.Data.TicketID != f.ticket.ID || p.Data.Internal {
					t.Errorf("delivery %d: type %s, sequence %d, internal %v; want %s, %d, false", i, p.Type, p.Data.Sequence, p.Data.Internal, wantTypes[i], i+1)
				}
				if id := r.header.Get("webhook-id"); id != delivery.MessageID(p.Data.ID) {
					t.Errorf("webhook-id = %q, want %q", id, delivery.MessageID(p.Data.ID))
				}
			}
			list := f.awaitAttempts(t, ep.ID, 3)
			for _, a := range list {
				if !a.Succeeded || a.StatusCode != http.StatusOK || a.Attempt != 1 || a.Trigger != support.WebhookTriggerEvent {
					t.Errorf("attempt %+v: want a first, successful 200 of trigger event", a)
				}
			}
		})
	}
}

func TestInternalEndpointGetsNotesWithTheirSequence(t *testing.T) {
	f := newFixture(t, "sqlite", nil)
	rcv := newReceiver(t, ok)
	f.endpoint(t, rcv.URL, true)
	f.openTicket(t)
	note := &support.Note{ID: uuid.NewString(), TicketID: f.ticket.ID, AuthorID: f.customer.ID, Content: "internal"}
	if err := f.db.AddNote(t.Context(), note); err != nil {
		t.Fatal(err)
	}
	got := rcv.await(t, 2)
	p := decode(t, got[0].body)
	if p.Type != "ticket.note" {
		p = decode(t, got[1].body)
	}
	if p.Type != "ticket.note" || !p.Data.Internal || p.Data.Sequence != 2 {
		t.Errorf("second delivery: %s internal=%v sequence=%d; want ticket.note, internal, 2", p.Type, p.Data.Internal, p.Data.Sequence)
	}
}

func TestRetriesUntilTheReceiverIsBack(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, engine, nil)
			rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
				if n <= 2 {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				}
			})
			ep := f.endpoint(t, rcv.URL, false)
			f.openTicket(t)
			got := rcv.await(t, 3)
			for _, r := range got[1:] {
				if r.header.Get("webhook-id") != got[0].header.Get("webhook-id") || string(r.body) != string(got[0].body) {
					t.Error("a retry changed the webhook-id or the body")
				}
			}
			list := f.awaitAttempts(t, ep.ID, 3) // newest first
			if !list[0].Succeeded || list[0].Attempt != 3 {
				t.Errorf("last attempt %+v: want the third, successful", list[0])
			}
			for _, a := range list[1:] {
				if a.Succeeded || a.StatusCode != http.StatusServiceUnavailable || !strings.Contains(a.ResponseExcerpt, "down for maintenance") {
					t.Errorf("failed attempt %+v: want 503 with the receiver's answer", a)
				}
			}
			awaitEndpoint(t, f.db, ep.ID, func(e *support.WebhookEndpoint) bool { return e.FailingSince.IsZero() && e.Enabled })
		})
	}
}

func awaitEndpoint(t *testing.T, db *store.DB, id string, cond func(*support.WebhookEndpoint) bool) *support.WebhookEndpoint {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		e, err := db.WebhookEndpointByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(e) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoint %+v never reached the expected state", e)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFixture(t, "sqlite", nil)
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	f.endpoint(t, rcv.URL, false)
	f.openTicket(t)
	got := rcv.await(t, 2)
	if gap := got[1].at.Sub(got[0].at); gap < 900*time.Millisecond {
		t.Errorf("second attempt %v after the first; Retry-After asked for 1 s (the retry base is 50 ms)", gap)
	}
}

func TestGoneDisablesTheEndpoint(t *testing.T) {
	f := newFixture(t, "sqlite", nil)
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	ep := f.endpoint(t, rcv.URL, false)
	f.openTicket(t)
	rcv.await(t, 1)
	e := awaitEndpoint(t, f.db, ep.ID, func(e *support.WebhookEndpoint) bool { return !e.Enabled })
	if !strings.Contains(e.DisabledReason, "410") {
		t.Errorf("disabled reason %q does not say 410", e.DisabledReason)
	}
	f.message(t)
	time.Sleep(300 * time.Millisecond)
	if n := len(rcv.await(t, 1)); n != 1 {
		t.Errorf("a disabled endpoint got %d deliveries, want 1", n)
	}
}

// clock is a test's time, moved on by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestEndpointFailingForDaysIsDisabled(t *testing.T) {
	clk := &clock{now: time.Now()}
	f := newFixture(t, "sqlite", func(o *delivery.Options) { o.Now, o.DisableAfter = clk.Now, 72*time.Hour })
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
	ep := f.endpoint(t, rcv.URL, false)
	f.openTicket(t)
	rcv.await(t, 1)
	awaitEndpoint(t, f.db, ep.ID, func(e *support.WebhookEndpoint) bool { return !e.FailingSince.IsZero() })
	clk.add(73 * time.Hour)
	e := awaitEndpoint(t, f.db, ep.ID, func(e *support.WebhookEndpoint) bool { return !e.Enabled })
	if !strings.Contains(e.DisabledReason, "failed since") || !strings.Contains(e.DisabledReason, "HTTP 500") {
		t.Errorf("disabled reason %q should say since when and the last failure", e.DisabledReason)
	}
}

func TestTimeoutIsAFailedAttempt(t *testing.T) {
	f := newFixture(t, "sqlite", func(o *delivery.Options) { o.RequestTimeout = 200 * time.Millisecond })
	release := make(chan struct{})
	rcv := newReceiver(t, func(n int, _ http.ResponseWriter) {
		if n == 1 {
			<-release
		}
	})
	defer close(release)
	ep := f.endpoint(t, rcv.URL, false)
	f.openTicket(t)
	// The retries answer at once; on a busy machine one may still miss the
	// short timeout, so wait for a success rather than for the second attempt.
	var list []support.WebhookAttempt
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		list = f.attempts(t, ep.ID)
		if len(list) > 0 && list[0].Succeeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful attempt after the timeout: %+v", list)
		}
	}
	first := list[len(list)-1]
	if len(list) < 2 || first.Succeeded || first.StatusCode != 0 || !strings.Contains(first.Error, "no answer within") {
		t.Errorf("first attempt %+v: want no answer within the timeout", first)
	}
}

// Without WEBHOOK_ALLOW_PRIVATE a loopback receiver is refused where the
// address is dialled, so no request leaves.
func TestPrivateAddressIsRefusedAtDelivery(t *testing.T) {
	f := newFixture(t, "sqlite", func(o *delivery.Options) { o.Policy = netguard.New(netguard.Options{}) })
	private := newReceiver(t, ok)
	ep := f.endpoint(t, private.URL, false)
	f.openTicket(t)
	a := f.awaitAttempts(t, ep.ID, 1)[0]
	if a.Succeeded || a.StatusCode != 0 || !strings.Contains(a.Error, "forbidden address") {
		t.Errorf("attempt to a loopback endpoint: %+v; want refused", a)
	}
	private.mu.Lock()
	defer private.mu.Unlock()
	if n := len(private.got); n != 0 {
		t.Errorf("the private receiver got %d requests", n)
	}
}

// A redirect is an answer (a failed attempt), never followed: not to another
// receiver, not to a private or metadata address.
func TestRedirectIsNotFollowed(t *testing.T) {
	f := newFixture(t, "sqlite", nil)
	target := newReceiver(t, ok)
	for _, location := range []string{target.URL, "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hook"} {
		redirector := newReceiver(t, func(_ int, w http.ResponseWriter) {
			w.Header().Set("Location", location)
			w.WriteHeader(http.StatusTemporaryRedirect)
		})
		ep := f.endpoint(t, redirector.URL, false)
		if f.ticket == nil {
			f.openTicket(t)
		} else {
			f.message(t) // an event for the new endpoint
		}
		a := f.awaitAttempts(t, ep.ID, 1)[0]
		if a.Succeeded || a.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("redirect to %s: attempt %+v; want a failed 307", location, a)
		}
	}
	time.Sleep(200 * time.Millisecond)
	target.mu.Lock()
	defer target.mu.Unlock()
	if len(target.got) != 0 {
		t.Errorf("the redirect target got %d requests; redirects must not be followed", len(target.got))
	}
}

// A host name is judged by the addresses it resolves to when the delivery is
// made (the stub resolver stands for DNS, rebinding included): names of
// loopback, private and metadata addresses are refused before any dial.
func TestNamesOfForbiddenAddressesAreRefusedAtDelivery(t *testing.T) {
	names := stubResolver{"rebind.example.com": "127.0.0.1", "metadata.example.com": "169.254.169.254",
		"private.example.com": "10.0.0.1", "v6.example.com": "fd00:ec2::254"}
	f := newFixture(t, "sqlite", func(o *delivery.Options) {
		// Only 127.0.0.2 is allowed: rebind.example.com (127.0.0.1) is not.
		o.Policy = netguard.New(netguard.Options{Resolver: names, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	})
	rcv := newReceiver(t, ok)
	port := rcv.URL[strings.LastIndex(rcv.URL, ":"):]
	var endpoints []string
	for _, name := range []string{"rebind.example.com", "metadata.example.com", "private.example.com", "v6.example.com"} {
		endpoints = append(endpoints, f.endpoint(t, "http://"+name+port+"/hook", false).ID)
	}
	f.openTicket(t)
	for i, id := range endpoints {
		a := f.awaitAttempts(t, id, 1)[0]
		if a.Succeeded || a.StatusCode != 0 || !strings.Contains(a.Error, "forbidden address") {
			t.Errorf("endpoint %d: attempt %+v; want refused as a forbidden address", i, a)
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != 0 {
		t.Errorf("the receiver got %d requests", len(rcv.got))
	}
}

// stubResolver maps names to one address each, without DNS.
type stubResolver map[string]string

func (s stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := s[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}
