package httpapi

import (
	"net/http"
	"strings"
	"time"
)

// HTTPMetrics records requests (internal/metrics). Deps.Metrics nil: nothing is recorded.
type HTTPMetrics interface {
	InFlight(delta int) // +1 when a request starts, -1 when it ends
	// ObserveRequest records a finished request; route is the pattern without its
	// method, or "unmatched".
	ObserveRequest(route, method string, code int, d time.Duration, bytes int)
	RateLimited(bucket string)
}

// observe records every request, rate-limited and unmatched ones included, by
// route pattern. It is the outermost middleware; the pattern is only known once
// the mux has matched the request, which notePattern reports back through the
// response writer (the request it sees may be a copy made by the middleware
// between them).
func (s *Server) observe(next http.Handler) http.Handler {
	m := s.deps.Metrics
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.InFlight(1)
		defer m.InFlight(-1)
		mw := &metricsWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(mw, r)
		if mw.pattern == "" { // answered before the mux (a 429, a CORS preflight), or no route
			_, mw.pattern = s.mux.Handler(r)
		}
		m.ObserveRequest(routeLabel(mw.pattern), r.Method, mw.code(), time.Since(start), mw.bytes)
	})
}

// notePattern tells observe which route pattern the mux matched.
func (s *Server) notePattern(next http.Handler) http.Handler {
	if s.deps.Metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if mw := findMetricsWriter(w); mw != nil {
			mw.pattern = r.Pattern
		}
	})
}

// routeLabel turns a mux pattern ("GET /tickets/{id}") into the route label
// ("/tickets/{id}"): the method is a label of its own.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return path
	}
	return pattern
}

// metricsWriter remembers the status, size and route of a response.
type metricsWriter struct {
	http.ResponseWriter
	status  int
	bytes   int
	pattern string
}

func (m *metricsWriter) WriteHeader(code int) {
	if m.status == 0 {
		m.status = code
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *metricsWriter) Write(b []byte) (int, error) {
	if m.status == 0 {
		m.status = http.StatusOK
	}
	n, err := m.ResponseWriter.Write(b)
	m.bytes += n
	return n, err
}

// Flush lets handlers that type-assert http.Flusher stream through the writer.
func (m *metricsWriter) Flush() {
	if f, ok := m.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (m *metricsWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

func (m *metricsWriter) code() int {
	if m.status == 0 {
		return http.StatusOK
	}
	return m.status
}

// findMetricsWriter walks the writers the middleware wrapped around observe's.
func findMetricsWriter(w http.ResponseWriter) *metricsWriter {
	for range 16 { // bounded: a writer that unwraps to itself must not hang a request
		switch v := w.(type) {
		case *metricsWriter:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// countRateLimited counts a request refused by the named bucket.
func (s *Server) countRateLimited(bucket string) {
	if s.deps.Metrics != nil {
		s.deps.Metrics.RateLimited(bucket)
	}
}
