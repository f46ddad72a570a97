package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// requestLog gives every request an id (kept from X-Request-ID when sane) and logs one
// line per request with method, route, status, duration and user.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		fields := &logging.Fields{RequestID: id}
		r = r.WithContext(logging.WithFields(r.Context(), fields))
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
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
// plain-text 404 and 405, keeping the mux's Allow header.
func (s *Server) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		switch rec.Code {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.Header().Get("Allow"))
			writeJSONProblem(w, rec.Code, "method "+r.Method+" is not allowed on this path")
		case http.StatusNotFound:
			writeJSONProblem(w, rec.Code, "no route for "+r.URL.Path)
		default: // a redirect the mux computed, e.g. for a cleaned path
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}
	})
}

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
