package httpapi

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// The stream hand-off, opt-in with STREAM_HANDOFF=true; everything it needs is in
// this file. A reply stream lasts as long as the reply, often a minute. Served
// the ordinary way it holds, for all that time, net/http's connection goroutine
// (with the stack it grew authenticating and reading the database), the
// connection's background-read goroutine and its buffers. With the hand-off, an
// HTTP/1.1 GET, once authorized and started, takes the connection over (Hijack),
// and a goroutine of its own, with a small stack and a buffer sized to one burst
// of events, writes the response: the head in net/http's own header format, then
// the events in chunked transfer coding (httputil's writer). When the stream has
// ended cleanly, the connection goes back to the http.Server for the client's
// next request, as a kept-alive one would (reuse); otherwise it is closed.
//
// What it costs (docs/operations.md): reuse relies on http.Server.Serve accepting
// a connection that was hijacked from it, which net/http does not document; a
// client that leaves is noticed only at the next write (at most one keep-alive
// period), not at once; the request's log line is written by the goroutine when
// the stream ends; http.Server.Shutdown does not see these streams (Drain does).
// HTTP/2 requests, and writers that cannot be hijacked, stream through the
// ResponseWriter as by default. Measured in docs/benchmarks.md.

// handOffStream hands the stream's connection off to a goroutine of its own and
// reports whether it did; false leaves the response to the caller.
func (s *Server) handOffStream(r *http.Request, w http.ResponseWriter, stream *support.ReplyStream) bool {
	logEnd := s.detachLog(r, w) // the line is written when the stream ends, not when this handler returns
	sink := handOff(r, w)
	if sink == nil {
		logEnd.reattach()
		return false
	}
	s.pump(r.Context(), sink, stream, logEnd)
	return true
}

// connSink writes a hijacked response: each Write becomes one chunk in buf, and
// Flush sends buf with a single write.
type connSink struct {
	conn   net.Conn
	buf    bytes.Buffer
	chunks io.WriteCloser // httputil's chunked writer, into buf
	body   int64          // bytes of body written, for the request log (chunk framing aside, as on the default path)

	srv *http.Server // to give the connection back to; nil: close it at the end
}

func newConnSink(conn net.Conn) *connSink {
	s := &connSink{conn: conn}
	s.chunks = httputil.NewChunkedWriter(&s.buf)
	return s
}

func (s *connSink) Write(b []byte) (int, error) {
	n, err := s.chunks.Write(b)
	s.body += int64(n)
	return n, err
}

func (s *connSink) SetWriteDeadline(t time.Time) error { return s.conn.SetWriteDeadline(t) }

func (s *connSink) Flush() error {
	if s.buf.Len() == 0 {
		return nil
	}
	_, err := s.conn.Write(s.buf.Bytes())
	s.buf.Reset()
	return err
}

// finish ends the body (the last chunk and an empty trailer) and sends what is left.
func (s *connSink) finish() error {
	_ = s.chunks.Close() // writes "0\r\n" into buf
	s.buf.WriteString("\r\n")
	return s.Flush()
}

// handOff takes over the connection of an HTTP/1.1 GET and returns a sink holding
// the response head (200, h and the framing headers), or nil when the response
// must go through w: another method or protocol, or a writer that cannot be
// hijacked.
func handOff(r *http.Request, w http.ResponseWriter) *connSink {
	if r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor < 1 {
		return nil
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil
	}
	s := newConnSink(conn)
	// The connection can serve the client's next request unless the client asked
	// to close it, or sent something net/http has read beyond this request (a
	// pipelined request: the bytes are in brw, out of net/http's reach from now
	// on), or could not have read yet (a request body, never expected on this GET).
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && !r.Close &&
		brw.Reader.Buffered() == 0 && r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		s.srv = srv
	}
	h := w.Header()
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	h.Set("Transfer-Encoding", "chunked")
	if s.srv == nil {
		h.Set("Connection", "close")
	}
	s.buf.WriteString("HTTP/1.1 200 OK\r\n")
	_ = h.Write(&s.buf) // into a bytes.Buffer: cannot fail
	s.buf.WriteString("\r\n")
	return s
}

// pump relays stream to a hijacked connection on its own goroutine. It keeps the
// request context's values (log fields) but not its cancellation, which net/http
// fires when the handler returns; Drain cancels it instead. When the stream ends
// it writes the request's log line with the stream's real duration and size. A
// panic ends this stream (its connection closed) and is logged, never more.
func (s *Server) pump(reqCtx context.Context, sink *connSink, stream *support.ReplyStream, logEnd *detachedLog) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(reqCtx))
	stopOnDrain := context.AfterFunc(s.pumpsCtx, cancel)
	s.pumps.Add(1)
	go func() {
		defer s.pumps.Done()
		defer cancel()
		defer stopOnDrain()
		defer stream.Close()
		reuse := false
		defer func() {
			if v := recover(); v != nil {
				s.logPanic(ctx, "reply stream writer", v)
				reuse = false
			}
			logEnd.write(sink.body)
			if reuse {
				sink.reuse()
			} else {
				sink.conn.Close()
			}
		}()
		reuse = s.writeHandedOff(ctx, sink, stream)
	}()
}

// writeHandedOff writes the whole response and reports whether it ended cleanly,
// so that the connection may serve the client's next request.
func (s *Server) writeHandedOff(ctx context.Context, sink *connSink, stream *support.ReplyStream) bool {
	// The head goes out with the first events when they are already there (one
	// write), or at once, so the client knows the stream is open.
	if !stream.Buffered() {
		_ = sink.SetWriteDeadline(time.Now().Add(s.writeWait()))
		if sink.Flush() != nil {
			return false
		}
	}
	ended := s.relayEvents(ctx, sink, stream)
	_ = sink.SetWriteDeadline(time.Now().Add(s.writeWait()))
	return sink.finish() == nil && ended && ctx.Err() == nil
}

// reuse gives the connection back to its http.Server for the client's next
// request, as net/http does with a kept-alive one: Serve takes it from a listener
// holding only it, starts serving it and returns. The connection is closed instead
// when handOff found it could not be reused, or the server is shutting down.
func (s *connSink) reuse() {
	if s.srv == nil || s.conn.SetDeadline(time.Time{}) != nil {
		s.conn.Close()
		return
	}
	l := &oneConnListener{conn: s.conn, addr: s.conn.LocalAddr()}
	_ = s.srv.Serve(l) // returns once the connection is taken, with net.ErrClosed or ErrServerClosed
	if l.conn != nil {
		s.conn.Close()
	}
}

// oneConnListener accepts one connection, then reports itself closed.
type oneConnListener struct {
	conn net.Conn
	addr net.Addr
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	c := l.conn
	if c == nil {
		return nil, net.ErrClosed
	}
	l.conn = nil
	return c, nil
}

func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.addr }

// Drain waits for the reply streams handed off from net/http (which
// http.Server.Shutdown does not track) to end, until ctx ends; then it stops the
// rest and waits for them to return, which takes at most one write timeout.
func (s *Server) Drain(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.pumps.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	s.stopPumps()
	<-done
}
