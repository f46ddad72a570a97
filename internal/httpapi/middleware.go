package httpapi

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

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

// requestLog gives every request an id (kept from X-Request-ID when sane) and logs one
// line per request with method, route, status, duration, client address and user.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		fields := &logging.Fields{RequestID: id, ClientIP: resolveClientIP(r, s.deps.TrustedProxies)}
		r = r.WithContext(logging.WithFields(r.Context(), fields))
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		// The logger adds client: the direct peer, or the client a trusted proxy forwarded for (clientip.go).
		s.log.Log(r.Context(), level, "request", "method", r.Method, "route", r.Pattern, "status", rec.code(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", rec.bytes)
	})
}

// recoverPanics turns a panic into a 500 with the request id; the stack goes to the log.
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
			s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeJSONProblem(w, http.StatusInternalServerError, "internal server error (request id "+requestID(r.Context())+")")
		}()
		next.ServeHTTP(w, r)
	})
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
	status int
	bytes  int
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
	r.bytes += n
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
