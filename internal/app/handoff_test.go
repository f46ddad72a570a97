package app_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// Over HTTP/1.1 a reply stream is written by its own goroutine on the hijacked
// connection (internal/httpapi/sse_handoff.go): the response must still carry every
// header the middleware set, be well framed, and leave the client able to go on.
func TestReplyStreamHandedOffKeepsHeadersAndFraming(t *testing.T) {
	in, fake := withUpstream(t, "sqlite", nil)
	fake.Enqueue(llmtest.Reply("Hand", "ed ", "off").WithUsage(5, 3))
	u := in.newUser()
	tk := in.createTicket(u.Token, "Stream framing", "Headers and chunks")
	req, _ := http.NewRequest(http.MethodGet, in.url+aiPath(tk.ID), nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("X-Request-ID", "handoff-test-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || resp.ProtoMajor != 1 || h.Get("X-Request-ID") != "handoff-test-1" ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Type") != "text/event-stream; charset=utf-8" ||
		h.Get("Cache-Control") != "no-cache" || h.Get("Date") == "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, h)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || !resp.Close {
		t.Errorf("framing: transfer-encoding %v, close %v; want chunked and Connection: close", resp.TransferEncoding, resp.Close)
	}
	s := &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
	evs := s.all(t) // io.EOF only after the terminating chunk: a cut body is an error
	if len(evs) != 4 || evs[3].Event != "done" || joinDeltas(t, evs[:3], 1) != "Handed off" {
		t.Fatalf("events %+v", evs)
	}
	expect(t, in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil), 200) // the client goes on
}

// HTTP/2 cannot be hijacked: the stream goes through the ResponseWriter instead.
func TestReplyStreamOverHTTP2(t *testing.T) {
	in, fake := withUpstream(t, "sqlite", nil)
	fake.Enqueue(llmtest.Reply("over ", "h2"))
	srv := newH2Server(t, in)
	u := in.newUser()
	tk := in.createTicket(u.Token, "Stream over h2", "No hijacking")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+aiPath(tk.ID), nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("proto %s, headers %v", resp.Proto, resp.Header)
	}
	evs := (&sseStream{resp: resp, r: bufio.NewReader(resp.Body)}).all(t)
	if len(evs) != 3 || evs[2].Event != "done" || joinDeltas(t, evs[:2], 1) != "over h2" {
		t.Fatalf("events %+v", evs)
	}
}

// Drain waits for handed-off streams (which http.Server.Shutdown cannot see) to
// deliver their final event; when its context ends first it stops them.
func TestDrainWaitsForHandedOffStreams(t *testing.T) {
	in, fake := withUpstream(t, "sqlite", nil)
	words := spaced(strings.Fields("one two three four five six"))
	fake.Enqueue(llmtest.Reply(words...).TokenDelay(50 * time.Millisecond))
	u := in.newUser()
	tk := in.createTicket(u.Token, "Drain", "Shutdown while streaming")
	s := in.openStream(aiPath(tk.ID), u.Token, nil)
	s.take1(t)
	drained := make(chan struct{})
	go func() { in.app.Server.Drain(context.Background()); close(drained) }()
	evs := s.all(t)
	if len(evs) == 0 || evs[len(evs)-1].Event != "done" {
		t.Fatalf("stream ended without done while draining: %+v", evs)
	}
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return after the stream ended")
	}

	// A stream still waiting when Drain's context ends is stopped.
	fake.Enqueue(llmtest.Reply("slow").StallBeforeFirst(time.Hour))
	tk2 := in.createTicket(u.Token, "Drain", "Stopped")
	s2 := in.openStream(aiPath(tk2.ID), u.Token, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in.app.Server.Drain(ctx)
	if evs := s2.all(t); len(evs) != 0 {
		t.Errorf("stopped stream delivered %+v", evs)
	}
}

// take1 reads the first event, failing the test if there is none.
func (s *sseStream) take1(t *testing.T) sseEvent {
	t.Helper()
	ev, err := s.next()
	if err != nil {
		t.Fatalf("first event: %v", err)
	}
	return ev
}

// newH2Server serves the instance's handler over TLS with HTTP/2 as well.
func newH2Server(t *testing.T, in *instance) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(in.app.Server)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
