package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/metrics"
)

// metricsRecorder is an HTTPMetrics that keeps what it is told.
type metricsRecorder struct {
	mu       sync.Mutex
	inFlight int
	requests []string // "route method code"
	limited  []string
}

func (m *metricsRecorder) InFlight(delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight += delta
}

func (m *metricsRecorder) ObserveRequest(route, method string, code int, _ time.Duration, _ int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, route+" "+method+" "+http.StatusText(code))
}

func (m *metricsRecorder) RateLimited(bucket string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limited = append(m.limited, bucket)
}

func metricsServer(t testing.TB, m HTTPMetrics, limits RateLimits) *Server {
	t.Helper()
	s, _ := limitedServer(t, limits)
	return New(Deps{Log: s.log, Version: "test", Limiter: s.deps.Limiter, RateLimits: limits, Metrics: m})
}

// Requests are recorded by route pattern (never the raw path), those answered
// before the mux (a 429) and those no route matches ("unmatched") included.
func TestMetricsMiddlewareRecordsRoutePatterns(t *testing.T) {
	rec := &metricsRecorder{}
	s := metricsServer(t, rec, RateLimits{IP: limit("ip", 3, time.Hour)})
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodGet, "/no/such/0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5e", http.StatusNotFound},
		{http.MethodGet, "/tickets/0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5f", http.StatusTooManyRequests},
	} {
		if w := serve(s, c.method, c.path, nil); w.Code != c.want {
			t.Fatalf("%s %s: %d, want %d", c.method, c.path, w.Code, c.want)
		}
	}
	want := []string{"/healthz GET OK", "unmatched POST Method Not Allowed", "unmatched GET Not Found",
		"/tickets/{id} GET Too Many Requests"}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.requests) != len(want) {
		t.Fatalf("recorded %q, want %q", rec.requests, want)
	}
	for i := range want {
		if rec.requests[i] != want[i] {
			t.Errorf("request %d recorded as %q, want %q", i, rec.requests[i], want[i])
		}
	}
	if len(rec.limited) != 1 || rec.limited[0] != "ip" {
		t.Errorf("rate limited %q, want [ip]", rec.limited)
	}
	if rec.inFlight != 0 {
		t.Errorf("%d requests still in flight", rec.inFlight)
	}
}

func TestRouteLabel(t *testing.T) {
	for pattern, want := range map[string]string{"": "unmatched", "GET /tickets/{id}": "/tickets/{id}", "/docs/": "/docs/"} {
		if got := routeLabel(pattern); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// BenchmarkMetricsMiddleware is what request metrics add to a read route
// (GET /healthz through every middleware) over the same server without them:
//
//	go test -run '^$' -bench MetricsMiddleware -benchmem ./internal/httpapi
func BenchmarkMetricsMiddleware(b *testing.B) {
	limits := RateLimits{IP: limit("ip", 1<<30, time.Minute)}
	for _, c := range []struct {
		name string
		m    HTTPMetrics
	}{{"off", nil}, {"on", metrics.New("bench")}} {
		s := metricsServer(b, c.m, limits)
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			r.RemoteAddr = "192.0.2.10:1234"
			for b.Loop() {
				s.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}

// BenchmarkInstrument is the outermost middleware alone (request id, log line,
// metrics, server span) around a handler that does nothing, as the pattern is
// found on a routed request: bare, with metrics, and with metrics and spans
// that are never recorded (tracing without an exporter).
//
//	go test -run '^$' -bench Instrument -benchmem ./internal/httpapi
func BenchmarkInstrument(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = "GET /tickets/{id}"
		w.WriteHeader(http.StatusNoContent)
	})
	unsampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	for _, c := range []struct {
		name   string
		m      HTTPMetrics
		tracer trace.TracerProvider
	}{{"log", nil, nil}, {"log+metrics", metrics.New("bench"), nil}, {"log+metrics+tracing", metrics.New("bench"), unsampled}} {
		s := New(Deps{Log: slog.New(slog.DiscardHandler), Version: "bench", Metrics: c.m, Tracer: c.tracer})
		h := s.instrument(s.unmatched(routedTo(next)))
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/tickets/0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5e", nil)
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}

// routedTo is a mux that sends every path to h.
func routedTo(h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	return mux
}
