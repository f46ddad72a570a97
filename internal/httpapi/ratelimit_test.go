package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/logging"
	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/ratelimit"
)

// limitedServer is the real handler with a rate limiter on a fixed clock and no
// services: the requests below never reach one.
func limitedServer(t testing.TB, limits RateLimits, origins ...string) (*Server, *logtest.Buffer) {
	t.Helper()
	var logs logtest.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	log, err := logging.New(&logs, "text", "info") // supportd's logger: it adds the client
	if err != nil {
		t.Fatal(err)
	}
	s := New(Deps{Log: log, Version: "test",
		Limiter: ratelimit.New(ratelimit.Options{Now: func() time.Time { return clock }}), RateLimits: limits,
		AllowedOrigins: origins})
	return s, &logs
}

func serve(s *Server, method, path string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader("{}"))
	r.RemoteAddr = "192.0.2.10:1234"
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func limit(name string, n int, period time.Duration) ratelimit.Limit {
	return ratelimit.Limit{Name: name, Count: n, Period: period}
}

func TestRateLimitHeadersAndRefusal(t *testing.T) {
	s, logs := limitedServer(t, RateLimits{IP: limit("ip", 3, time.Minute)})
	for i, path := range []string{"/healthz", "/no/such/route", "/openapi.json"} {
		w := serve(s, "GET", path, nil)
		if got := w.Header().Get("RateLimit-Policy"); got != `"ip";q=3;w=60` {
			t.Fatalf("%s: RateLimit-Policy %q", path, got)
		}
		want := fmt.Sprintf(`"ip";r=%d;t=%d`, 2-i, 20*(i+1))
		if got := w.Header().Get("RateLimit"); got != want {
			t.Fatalf("%s: RateLimit %q, want %q", path, got, want)
		}
	}
	w := serve(s, "GET", "/healthz", nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" ||
		w.Header().Get("RateLimit") != `"ip";r=0;t=20` || w.Header().Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
		t.Fatalf("4th request: %d %v", w.Code, w.Header())
	}
	if want := `rate limit \"ip\" exceeded: 3 requests per minute; retry in 20 s`; !strings.Contains(w.Body.String(), want) {
		t.Fatalf("body %s, want detail %s", w.Body, want)
	}
	if n := strings.Count(logs.String(), "rate limited"); n != 1 ||
		!strings.Contains(logs.String(), `msg="rate limited" bucket=ip key=ip method=GET path=/healthz request_id=`) ||
		!strings.Contains(logs.String(), "client=192.0.2.10") {
		t.Fatalf("429 logged %d times:\n%s", n, logs.String())
	}
}

func TestRouteBucketsComeFirst(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{IP: limit("ip", 10, time.Minute), Login: limit("login", 2, time.Minute),
		Signup: limit("signup", 1, time.Hour)})
	json := http.Header{"Content-Type": {"application/json"}}
	for i := range 2 {
		w := serve(s, "POST", "/auth/login", json)
		want := fmt.Sprintf(`"login";r=%d;t=%d, "ip";r=%d;`, 1-i, 30*(i+1), 9-i)
		if got := w.Header().Get("RateLimit"); !strings.HasPrefix(got, want) {
			t.Fatalf("login %d: RateLimit %q, want prefix %q", i+1, got, want)
		}
		if got := w.Header().Get("RateLimit-Policy"); got != `"login";q=2;w=60, "ip";q=10;w=60` {
			t.Fatalf("RateLimit-Policy %q", got)
		}
	}
	for range 3 {
		if w := serve(s, "POST", "/auth/login", json); w.Code != http.StatusTooManyRequests || w.Header().Get("RateLimit") != `"login";r=0;t=30` {
			t.Fatalf("3rd login: %d %q", w.Code, w.Header().Get("RateLimit"))
		}
	}
	// The refused logins left the general quota alone, and signup has its own.
	if w := serve(s, "POST", "/auth/signup", json); w.Code == http.StatusTooManyRequests ||
		!strings.HasPrefix(w.Header().Get("RateLimit"), `"signup";r=0;t=3600, "ip";r=7;`) {
		t.Fatalf("signup: %d %q", w.Code, w.Header().Get("RateLimit"))
	}
	if w := serve(s, "GET", "/healthz", nil); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("RateLimit"), `"ip";r=6;`) {
		t.Fatalf("healthz: %d %q", w.Code, w.Header().Get("RateLimit"))
	}
}

func TestOffLimitsSendNoHeaders(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{})
	for range 10 {
		w := serve(s, "POST", "/auth/login", http.Header{"Content-Type": {"application/json"}})
		if w.Code == http.StatusTooManyRequests || w.Header().Get("RateLimit") != "" || w.Header().Get("RateLimit-Policy") != "" {
			t.Fatalf("limits off: %d %v", w.Code, w.Header())
		}
	}
}

func TestCeilSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 0, time.Microsecond: 0, time.Millisecond: 1, time.Second: 1,
		time.Second + 500*time.Nanosecond: 1, time.Second + 2*time.Microsecond: 2, 12*time.Second + 300*time.Millisecond: 13} {
		if got := ceilSeconds(d); got != want {
			t.Errorf("ceilSeconds(%s) = %d, want %d", d, got, want)
		}
	}
	if retrySeconds(ratelimit.Result{RetryAfter: 10 * time.Millisecond}) != 1 {
		t.Error("Retry-After below 1 s")
	}
}

// BenchmarkRateLimitMiddleware is what the limiter adds to an anonymous request
// (an in-memory bucket and the two headers) over the same handler without it:
//
//	go test -run '^$' -bench RateLimitMiddleware -benchmem ./internal/httpapi
func BenchmarkRateLimitMiddleware(b *testing.B) {
	s, _ := limitedServer(b, RateLimits{IP: limit("ip", 1<<30, time.Minute)})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for name, h := range map[string]http.Handler{"off": next, "on": s.rateLimit(next)} {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/tickets", nil)
			r.RemoteAddr = "192.0.2.10:1234"
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
