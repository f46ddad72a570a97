package app_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// Over HTTP/1.1 a reply stream goes through the ResponseWriter, or with
// STREAM_HANDOFF is written by its own goroutine on the hijacked connection
// (internal/httpapi/sse_handoff.go): either way the response must carry every
// header the middleware set, be well framed, and leave the connection to the
// client's next request.
func TestReplyStreamKeepsHeadersAndFraming(t *testing.T) {
	forEachStreamPath(t, testReplyStreamKeepsHeadersAndFraming)
}

func testReplyStreamKeepsHeadersAndFraming(t *testing.T, env map[string]string) {
	in, fake := withUpstream(t, "sqlite", env)
	fake.Enqueue(llmtest.Reply("Hand", "ed ", "off").WithUsage(5, 3))
	u := in.newUser()
	tk := in.createTicket(u.Token, "Stream framing", "Headers and chunks")
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, in.url+aiPath(tk.ID), nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("X-Request-ID", "handoff-test-1")
	resp, err := client.Do(req)
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
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || resp.Close {
		t.Errorf("framing: transfer-encoding %v, close %v; want chunked and a kept-alive connection", resp.TransferEncoding, resp.Close)
	}
	s := &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
	evs := s.all(t) // io.EOF only after the terminating chunk: a cut body is an error
	if len(evs) != 4 || evs[3].Event != "done" || joinDeltas(t, evs[:3], 1) != "Handed off" {
		t.Fatalf("events %+v", evs)
	}
	resp.Body.Close()

	// The next request goes over the same connection, served by net/http again.
	var reused bool
	req, _ = http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	}), http.MethodGet, in.url+"/tickets/"+tk.ID, nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	next, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	next.Body.Close()
	if next.StatusCode != 200 || !reused {
		t.Fatalf("request after the stream: status %d, connection reused %v", next.StatusCode, reused)
	}
}

// At the wire, on both stream paths: after a stream the connection serves the
// next request; a request that asks to close gets Connection: close and the
// connection closed; a request pipelined behind the stream's is not lost (served,
// or the connection closed so the client retries).
func TestReplyStreamConnectionAfterwards(t *testing.T) {
	forEachStreamPath(t, testReplyStreamConnectionAfterwards)
}

func testReplyStreamConnectionAfterwards(t *testing.T, env map[string]string) {
	in, fake := withUpstream(t, "sqlite", env)
	u := in.newUser()
	streamReq := func(ticketID, extra string) string {
		return "GET " + aiPath(ticketID) + " HTTP/1.1\r\nHost: supportd\r\nAuthorization: Bearer " + u.Token + "\r\n" + extra + "\r\n"
	}
	const healthReq = "GET /healthz HTTP/1.1\r\nHost: supportd\r\n\r\n"
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		return c, bufio.NewReader(c)
	}
	readStream := func(br *bufio.Reader) *http.Response {
		t.Helper()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body) // to the terminating chunk
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "event: done") {
			t.Fatalf("stream: status %d, %v, body %q", resp.StatusCode, err, body)
		}
		return resp
	}

	t.Run("kept alive", func(t *testing.T) {
		fake.Enqueue(llmtest.Reply("kept"))
		c, br := dial()
		_, _ = io.WriteString(c, streamReq(in.createTicket(u.Token, "Keep", "").ID, ""))
		if resp := readStream(br); resp.Close {
			t.Fatal("stream answered with Connection: close to a kept-alive request")
		}
		_, _ = io.WriteString(c, healthReq)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("next request on the connection: %v, %v", resp, err)
		}
	})
	t.Run("client asks to close", func(t *testing.T) {
		fake.Enqueue(llmtest.Reply("closed"))
		c, br := dial()
		_, _ = io.WriteString(c, streamReq(in.createTicket(u.Token, "Close", "").ID, "Connection: close\r\n"))
		if resp := readStream(br); !resp.Close {
			t.Fatal("no Connection: close in the answer to a request that asked for it")
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("connection still open after Connection: close: %v", err)
		}
	})
	t.Run("pipelined request", func(t *testing.T) {
		fake.Enqueue(llmtest.Reply("piped"))
		c, br := dial()
		_, _ = io.WriteString(c, streamReq(in.createTicket(u.Token, "Pipe", "").ID, "")+healthReq)
		readStream(br)
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return // closed cleanly, right after the stream's last chunk
		}
		if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("pipelined request: %v, %v", resp, err)
		}
	})
}

// HTTP/2 cannot be hijacked: the stream goes through the ResponseWriter, with
// STREAM_HANDOFF too.
func TestReplyStreamOverHTTP2(t *testing.T) {
	forEachStreamPath(t, testReplyStreamOverHTTP2)
}

func testReplyStreamOverHTTP2(t *testing.T, env map[string]string) {
	in, fake := withUpstream(t, "sqlite", env)
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
	in, fake := withUpstream(t, "sqlite", handoffOn)
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
