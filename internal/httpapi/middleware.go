package httpapi

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/logging"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func requestID(ctx context.Context) string {
	if f := logging.FieldsFrom(ctx); f != nil {
		return f.RequestID
	}
	return ""
}

func infoFrom(ctx context.Context) *logging.Fields { return logging.FieldsFrom(ctx) }

// newRequestID returns 16 hex digits. Request ids correlate logs and need no secrecy,
// so they come from math/rand/v2, which costs no system call per request.
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// recoverPanics turns a panic into a 500 with the request id; the stack goes to the
// log. A response already under way (a reply stream) is ended where it stands: its
// status is sent, and a problem appended to it would corrupt it.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			s.logPanic(r.Context(), "request handler", v)
			if rec := recorderOf(w); rec != nil && rec.status != 0 {
				return
			}
			writeJSONProblem(w, http.StatusInternalServerError, "internal server error (request id "+requestID(r.Context())+")")
		}()
		next.ServeHTTP(w, r)
	})
}

// logPanic logs a recovered panic with the stack that raised it; call it from the
// deferred function that recovered.
func (s *Server) logPanic(ctx context.Context, where string, v any) {
	s.log.ErrorContext(ctx, "panic", "in", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

// securityHeaders applies OWASP REST headers. Handlers may override Cache-Control (docs assets do).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// unmatched answers requests no route matches with problem+json instead of the mux's
// plain-text 404 and 405 (keeping the mux's Allow header). The mux records the
// matched pattern on the request before calling a handler, so an empty pattern at
// WriteHeader time means the mux's own error handler is answering.
func (s *Server) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&unmatchedWriter{ResponseWriter: w, r: r}, r)
		// The mux set the pattern on this request, which may be a copy of the one
		// instrument has (the rate limiter adds to the context): tell it.
		if rec := recorderOf(w); rec != nil {
			rec.route = r.Pattern
		}
	})
}

type unmatchedWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool // the mux's error was answered with a problem; drop its text body
}

func (u *unmatchedWriter) WriteHeader(code int) {
	if u.r.Pattern != "" || (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) {
		u.ResponseWriter.WriteHeader(code)
		return
	}
	u.replaced = true
	detail := "no route for " + u.r.URL.Path
	if code == http.StatusMethodNotAllowed {
		detail = "method " + u.r.Method + " is not allowed on this path"
	}
	writeJSONProblem(u.ResponseWriter, code, detail)
}

func (u *unmatchedWriter) Write(b []byte) (int, error) {
	if u.replaced {
		return len(b), nil
	}
	return u.ResponseWriter.Write(b)
}

func (u *unmatchedWriter) Flush() {
	if f, ok := u.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (u *unmatchedWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func writeJSONProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
}

// statusRecorder remembers the status and size of a response. It unwraps so
// http.ResponseController can still flush and set deadlines (SSE needs both).
type statusRecorder struct {
	http.ResponseWriter
	start    time.Time
	span     trace.Span // the request's server span
	route    string     // the mux pattern matched (unmatched sets it)
	status   int
	bytes    int64
	detached bool // the response goes on after the handler; it is concluded elsewhere
}

// WriteHeader forwards only the first call: a handler that fails after its response
// started (typically because the client left) must not trigger net/http's
// "superfluous WriteHeader" warning.
func (r *statusRecorder) WriteHeader(code int) {
	if r.status != 0 {
		return
	}
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush lets handlers that type-assert http.Flusher stream through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
