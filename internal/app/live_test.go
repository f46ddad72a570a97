package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/supportd/supportd/internal/support"
)

// Live notifications (issue 12): /events (SSE) and /ws (WebSocket) push the
// ticket events each caller may see, resume from the last event id, and end
// when the account's sessions do.

// liveWait bounds every wait for a live event: far above the wake-up path's
// milliseconds, so a busy test machine does not fail the test.
const liveWait = 10 * time.Second

type liveEvent struct {
	ID       int64           `json:"id"`
	TicketID string          `json:"ticket_id"`
	Type     string          `json:"type"`
	New      json.RawMessage `json:"new"`
	Internal bool            `json:"internal"`
}

// sseNext reads the next event of an /events stream within liveWait.
func sseNext(t *testing.T, s *sseStream) sseEvent {
	t.Helper()
	type result struct {
		ev  sseEvent
		err error
	}
	c := make(chan result, 1)
	go func() { ev, err := s.next(); c <- result{ev, err} }()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatalf("live stream: %v", r.err)
		}
		return r.ev
	case <-time.After(liveWait):
		t.Fatalf("no live event within %s", liveWait)
	}
	return sseEvent{}
}

func decodeLive(t *testing.T, data []byte) liveEvent {
	t.Helper()
	var e liveEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("live event %s: %v", data, err)
	}
	return e
}

// TestLiveEventsSSE: staff see every event, a customer the non-internal events
// of their own tickets and nothing of anyone else's.
func TestLiveEventsSSE(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, other, agent := in.newUser(), in.newUser(), in.newStaff(support.RoleAgent)
		cs := in.openStream("/events", customer.Token, nil)
		os := in.openStream("/events", other.Token, nil)
		as := in.openStream("/events", agent.Token, nil)
		for _, s := range []*sseStream{cs, os, as} {
			if s.resp.StatusCode != http.StatusOK || !strings.HasPrefix(s.resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("open /events: %d %s", s.resp.StatusCode, s.resp.Header.Get("Content-Type"))
			}
		}
		tk := in.createTicket(customer.Token, "Live", "Where is my parcel?")
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/notes", agent.Token, map[string]string{"content": "internal"}), http.StatusCreated)
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", agent.Token, map[string]string{"content": "On its way"}), http.StatusCreated)
		marker := in.createTicket(other.Token, "Marker", "the other customer's own ticket")

		want := map[*sseStream][]string{cs: {"created", "message"}, as: {"created", "note", "message", "created"}, os: {"created"}}
		for s, types := range want {
			var got []string
			for range types {
				ev := sseNext(t, s)
				e := decodeLive(t, []byte(ev.Data))
				if ev.ID != int(e.ID) || ev.Event != e.Type {
					t.Errorf("SSE id/event %d/%s, data %s", ev.ID, ev.Event, ev.Data)
				}
				got = append(got, e.Type)
				if s == os && e.TicketID != marker.ID {
					t.Errorf("the other customer received an event of someone else's ticket: %s", ev.Data)
				}
				if s == cs && (e.Internal || e.TicketID != tk.ID) {
					t.Errorf("the customer received %s", ev.Data)
				}
			}
			if strings.Join(got, ",") != strings.Join(types, ",") {
				t.Errorf("events %v, want %v", got, types)
			}
		}
	})
}

// TestLiveSSEResumes: reconnecting with Last-Event-ID delivers every event
// missed while away, once, then continues live.
func TestLiveSSEResumes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer := in.newUser()
		s := in.openStream("/events", customer.Token, nil)
		tk := in.createTicket(customer.Token, "Resume", "first")
		first := sseNext(t, s)
		s.resp.Body.Close()
		for i := range 3 {
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "away " + strconv.Itoa(i)}), http.StatusCreated)
		}
		s = in.openStream("/events", customer.Token, map[string]string{"Last-Event-ID": strconv.Itoa(first.ID)})
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "back"}), http.StatusCreated)
		var ids []int
		for range 4 {
			ev := sseNext(t, s)
			if ev.Event != "message" {
				t.Errorf("event %s", ev.Data)
			}
			ids = append(ids, ev.ID)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] || ids[0] <= first.ID {
				t.Fatalf("ids %v after %d: not each once, in order", ids, first.ID)
			}
		}
		history := in.events(tk.ID, customer.Token)
		if n := len(history); n != 5 || int(history[n-1].ID) != ids[3] {
			t.Errorf("the log has %d events (last %v); the stream ended at %d", n, history[n-1], ids[3])
		}
	})
}

// dialLive opens /ws with path's query and header; the response is returned
// for a refused handshake.
func (in *instance) dialLive(t *testing.T, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(in.url, "http")+"/ws"+query, &websocket.DialOptions{HTTPHeader: header})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func wsNext(t *testing.T, c *websocket.Conn) liveEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	typ, data, err := c.Read(ctx)
	if err != nil || typ != websocket.MessageText {
		t.Fatalf("read: %v (%v)", err, typ)
	}
	return decodeLive(t, data)
}

// wsClosedWith waits for the server to close c and checks the code.
func wsClosedWith(t *testing.T, c *websocket.Conn, code websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue // events still in flight
		}
		if got := websocket.CloseStatus(err); got != code {
			t.Fatalf("closed with %v (%v), want %v", got, err, code)
		}
		return
	}
}

// TestLiveSocket: the handshake token is single use, a foreign Origin is
// refused, events arrive as JSON, since resumes, a message over 64 KiB closes
// with 1009, and logging out closes the socket.
func TestLiveSocket(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer := in.newUser()
		r := in.call(http.MethodPost, "/events/token", customer.Token, nil)
		expect(t, r, http.StatusCreated)
		var tok struct {
			Token        string `json:"token"`
			WebSocketURL string `json:"websocket_url"`
		}
		r.json(t, &tok)
		if r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(tok.WebSocketURL, "/ws?token=") {
			t.Fatalf("token response %s", r.body)
		}
		c, _, err := in.dialLive(t, "?token="+tok.Token, nil)
		if err != nil {
			t.Fatalf("dial with a live token: %v", err)
		}
		if _, resp, err := in.dialLive(t, "?token="+tok.Token, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a used live token: %v %v", err, resp)
		}
		if _, resp, err := in.dialLive(t, "", http.Header{"Authorization": {"Bearer " + customer.Token}, "Origin": {"https://evil.example"}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a foreign origin: %v %v", err, resp)
		}
		if _, resp, err := in.dialLive(t, "", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("no credentials: %v %v", err, resp)
		}

		tk := in.createTicket(customer.Token, "Socket", "hello")
		first := wsNext(t, c)
		if first.Type != "created" || first.TicketID != tk.ID {
			t.Fatalf("first event %+v", first)
		}
		c.Close(websocket.StatusNormalClosure, "")
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "while away"}), http.StatusCreated)
		bearer := http.Header{"Authorization": {"Bearer " + customer.Token}}
		c, _, err = in.dialLive(t, "?since="+strconv.FormatInt(first.ID, 10), bearer)
		if err != nil {
			t.Fatalf("dial with since: %v", err)
		}
		if e := wsNext(t, c); e.Type != "message" || e.ID <= first.ID {
			t.Fatalf("resumed with %+v", e)
		}

		big, _, err := in.dialLive(t, "", bearer)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), liveWait)
		defer cancel()
		if err := big.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 64<<10+1))); err != nil {
			t.Fatalf("write: %v", err)
		}
		wsClosedWith(t, big, websocket.StatusMessageTooBig)

		expect(t, in.call(http.MethodPost, "/auth/logout", customer.Token, nil), http.StatusNoContent)
		wsClosedWith(t, c, 4001)
		if _, resp, err := in.dialLive(t, "", bearer); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the logged-out token: %v %v", err, resp)
		}
	})
}

// TestLiveBadCursor: an id that is no event is a 400 with a detail, not a stream.
func TestLiveBadCursor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		for _, h := range []string{"abc", "-1", "999999999"} {
			s := in.openStream("/events", u.Token, map[string]string{"Last-Event-ID": h})
			if s.resp.StatusCode/100 != 4 {
				t.Errorf("Last-Event-ID %q: %d", h, s.resp.StatusCode)
			}
		}
		_, resp, err := in.dialLive(t, "?since=abc", http.Header{"Authorization": {"Bearer " + u.Token}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("since=abc: %v %v", err, resp)
		}
	})
}

// TestLiveAcrossInstances: two instances on one PostgreSQL database. A message
// posted through A reaches a WebSocket on B and an SSE stream on A; a logout
// through A closes the account's socket on B.
func TestLiveAcrossInstances(t *testing.T) {
	if !slices.Contains(engines(t), "postgres") {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL): instances share state through it")
	}
	a := start(t, "postgres", nil)
	b := start(t, "postgres", map[string]string{"DATABASE_URL": a.app.Config.DatabaseURL})
	customer := a.newUser()
	tk := a.createTicket(customer.Token, "Two instances", "hello")
	bearer := http.Header{"Authorization": {"Bearer " + customer.Token}}
	onB, _, err := b.dialLive(t, "", bearer)
	if err != nil {
		t.Fatalf("dial B: %v", err)
	}
	onA := a.openStream("/events", customer.Token, nil)
	sent := time.Now()
	r := a.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "through A"})
	expect(t, r, http.StatusCreated)
	// A stream opened without a cursor starts where its instance's hub is, which
	// may be just before the ticket's creation: skip to the message.
	ws, sse := wsNext(t, onB), sseNext(t, onA)
	for ws.Type == "created" {
		ws = wsNext(t, onB)
	}
	for sse.Event == "created" {
		sse = sseNext(t, onA)
	}
	t.Logf("commit to arrival: %s (WebSocket on B and SSE on A)", time.Since(sent))
	if ws.Type != "message" || ws.TicketID != tk.ID || sse.Event != "message" || int64(sse.ID) != ws.ID {
		t.Fatalf("B's socket got %+v, A's stream %+v", ws, sse)
	}
	expect(t, a.call(http.MethodPost, "/auth/logout", customer.Token, nil), http.StatusNoContent)
	wsClosedWith(t, onB, 4001)
}

// TestLiveAIReplyEvents: an AI reply publishes when it starts and, through its
// message, when it is done.
func TestLiveAIReplyEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer := in.newUser()
		s := in.openStream("/events", customer.Token, nil)
		tk := in.createTicket(customer.Token, "AI", "How do I reset my password?")
		reply := in.openStream("/tickets/"+tk.ID+"/ai-response", customer.Token, nil)
		if evs := reply.all(t); len(evs) == 0 || evs[len(evs)-1].Event != "done" {
			t.Fatalf("reply stream %+v", evs)
		}
		var got []string
		for range 3 {
			ev := sseNext(t, s)
			got = append(got, ev.Event)
		}
		if strings.Join(got, ",") != "created,ai_reply_started,ai_reply" {
			t.Fatalf("events %v", got)
		}
	})
}

// TestLiveSocketAllowedOrigin: an origin of ALLOWED_ORIGINS opens a socket,
// another does not.
func TestLiveSocketAllowedOrigin(t *testing.T) {
	forEachEngineWith(t, map[string]string{"ALLOWED_ORIGINS": "https://app.example"}, func(t *testing.T, in *instance) {
		u := in.newUser()
		h := http.Header{"Authorization": {"Bearer " + u.Token}, "Origin": {"https://app.example"}}
		if _, _, err := in.dialLive(t, "", h); err != nil {
			t.Fatalf("allowed origin: %v", err)
		}
		h.Set("Origin", "https://app.example.evil")
		if _, resp, err := in.dialLive(t, "", h); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("another origin: %v %v", err, resp)
		}
	})
}

// TestLiveStreamsPerAccount: an account holds at most 20 live streams; the
// 21st is a 429 with a detail.
func TestLiveStreamsPerAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		for i := range 20 {
			if s := in.openStream("/events", u.Token, nil); s.resp.StatusCode != http.StatusOK {
				t.Fatalf("stream %d: %d", i+1, s.resp.StatusCode)
			}
		}
		s := in.openStream("/events", u.Token, nil)
		if s.resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("stream 21: %d", s.resp.StatusCode)
		}
		if other := in.openStream("/events", in.newUser().Token, nil); other.resp.StatusCode != http.StatusOK {
			t.Fatalf("another account: %d", other.resp.StatusCode)
		}
	})
}

// TestLiveMetrics: the open streams and the events handed to them are scraped.
func TestLiveMetrics(t *testing.T) {
	forEachEngineWith(t, map[string]string{"METRICS_ADDR": "127.0.0.1:0"}, func(t *testing.T, in *instance) {
		url := in.serveMetrics(t)
		u := in.newUser()
		s := in.openStream("/events", u.Token, nil)
		in.createTicket(u.Token, "Metrics", "count me")
		sseNext(t, s)
		m := scrape(t, url)
		m.equal(t, 1, "supportd_live_streams")
		m.atLeast(t, 1, "supportd_live_events_delivered_total")
		m.equal(t, 0, "supportd_live_slow_consumers_total")
	})
}

// TestLiveSSEWithToken: EventSource, which cannot send headers, opens /events
// with a live token from the URL the token response gives, once.
func TestLiveSSEWithToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		r := in.call(http.MethodPost, "/events/token", u.Token, nil)
		expect(t, r, http.StatusCreated)
		var tok struct {
			EventsURL string `json:"events_url"`
		}
		r.json(t, &tok)
		s := in.openStream(tok.EventsURL, "", nil)
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tok.EventsURL, s.resp.StatusCode)
		}
		tk := in.createTicket(u.Token, "Token", "opened with a live token")
		if e := decodeLive(t, []byte(sseNext(t, s).Data)); e.TicketID != tk.ID || e.Type != "created" {
			t.Fatalf("event %+v", e)
		}
		if again := in.openStream(tok.EventsURL, "", nil); again.resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the token used again: %d", again.resp.StatusCode)
		}
	})
}
