package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/support"
)

// panicConn is a connection whose writes panic, as a buggy writer would.
type panicConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *panicConn) Write([]byte) (int, error) { panic("writer bug") }
func (c *panicConn) Close() error              { c.closed.Store(true); return nil }

func (c *panicConn) SetWriteDeadline(time.Time) error { return nil }

// A panic on a handed-off stream's goroutine ends that stream (its connection
// closed) and is logged with its stack; the process goes on.
func TestHandedOffWriterPanicIsRecovered(t *testing.T) {
	var logs logtest.Buffer
	s := New(Deps{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Version: "test"})
	conn := &panicConn{}
	sink := newConnSink(conn)
	sink.buf.WriteString("HTTP/1.1 200 OK\r\n\r\n") // the head, flushed first
	s.pump(context.Background(), sink, &support.ReplyStream{}, &detachedLog{})
	s.Drain(context.Background()) // returns once the pump goroutine has
	if !conn.closed.Load() {
		t.Error("connection left open after the writer panicked")
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"panic"`) || !strings.Contains(out, `"in":"reply stream writer"`) ||
		!strings.Contains(out, "sse_handoff_test.go") {
		t.Fatalf("no panic with its stack in the log:\n%s", out)
	}
}

// A panic after a response has started (a stream on the default path) ends the
// response where it stands: no problem document appended to the stream, the
// panic and the request logged.
func TestPanicAfterResponseStartedEndsIt(t *testing.T) {
	var logs logtest.Buffer
	s := bareServer(slog.New(slog.NewJSONHandler(&logs, nil)))
	h := s.instrument(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "id: 1\nevent: delta\ndata: {}\n\n")
		http.NewResponseController(w).Flush()
		panic("emit bug")
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "id: 1\nevent: delta\ndata: {}\n\n" {
		t.Fatalf("status %d, body %q; want the stream as it stood", resp.StatusCode, body)
	}
	out := logs.String()
	if !strings.Contains(out, `"panic":"emit bug"`) || !strings.Contains(out, `"msg":"request"`) ||
		!strings.Contains(out, `"bytes":29`) {
		t.Fatalf("log:\n%s", out)
	}
}
