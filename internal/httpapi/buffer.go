package httpapi

import (
	"net/http"
	"strconv"
	"strings"
)

// maxBuffered is the largest JSON response sent with a Content-Length; larger ones stream.
const maxBuffered = 256 << 10

// bufferJSON holds a JSON response until the handler returns and sends it with a
// Content-Length. Without one, net/http frames the body in chunks, which costs a
// write system call more per response; the load benchmark showed socket calls as
// the largest share of CPU on list requests. Anything else (the SSE stream, the
// docs assets), a flushed response or one above maxBuffered passes straight through.
func bufferJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &bufferedWriter{ResponseWriter: w}
		next.ServeHTTP(bw, r)
		bw.finish()
	})
}

type bufferedWriter struct {
	http.ResponseWriter
	status   int
	buf      []byte
	buffer   bool // decided at the first WriteHeader or Write
	decided  bool
	passedOn bool // the header went to the client
}

func (b *bufferedWriter) WriteHeader(code int) {
	if b.decided {
		return
	}
	b.decided, b.status = true, code
	ct := b.Header().Get("Content-Type")
	b.buffer = code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified &&
		(strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/problem+json")) &&
		b.Header().Get("Content-Length") == ""
	if !b.buffer {
		b.passOn()
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if !b.decided {
		b.WriteHeader(http.StatusOK)
	}
	if b.buffer && len(b.buf)+len(p) <= maxBuffered {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	if err := b.drain(); err != nil {
		return 0, err
	}
	return b.ResponseWriter.Write(p)
}

// Flush sends what is buffered and stops buffering: the handler wants the bytes out now.
func (b *bufferedWriter) Flush() {
	if b.drain() == nil {
		http.NewResponseController(b.ResponseWriter).Flush() //nolint:errcheck // Flusher has no error to report
	}
}

func (b *bufferedWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// drain switches to pass-through, sending the header and any buffered bytes.
func (b *bufferedWriter) drain() error {
	if !b.decided {
		b.WriteHeader(http.StatusOK)
	}
	b.buffer = false
	if !b.passedOn {
		b.passOn()
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.ResponseWriter.Write(b.buf)
	b.buf = nil
	return err
}

func (b *bufferedWriter) passOn() {
	b.passedOn = true
	b.ResponseWriter.WriteHeader(b.status)
}

// finish sends a buffered response in one piece, with its length.
func (b *bufferedWriter) finish() {
	if !b.decided || !b.buffer {
		return
	}
	b.Header().Set("Content-Length", strconv.Itoa(len(b.buf)))
	b.buffer = false
	b.drain() //nolint:errcheck // the client is gone; nothing to tell it
}
