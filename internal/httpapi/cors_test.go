package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const app = "https://app.example.com"

func preflight(origin, method, headers string) http.Header {
	return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}, "Access-Control-Request-Headers": {headers}}
}

func TestCORSPreflight(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{IP: limit("ip", 100, time.Minute)}, app)
	w := serve(s, http.MethodOptions, "/tickets/0190/ai-response", preflight(app, "GET", "authorization,last-event-id"))
	h := w.Header()
	if w.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != app || h.Get("Access-Control-Allow-Methods") != "GET" ||
		h.Get("Access-Control-Allow-Headers") != "authorization,last-event-id" || h.Get("Access-Control-Max-Age") != "600" ||
		h.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Fatalf("allowed preflight: %d %v", w.Code, h)
	}
	if !strings.HasPrefix(h.Get("RateLimit"), `"ip";r=99;`) {
		t.Fatalf("preflight not counted against the IP bucket: %q", h.Get("RateLimit"))
	}
	for _, hdr := range []string{"content-type,idempotency-key", "if-match,x-request-id"} {
		if w := serve(s, http.MethodOptions, "/tickets", preflight(app, "POST", hdr)); w.Header().Get("Access-Control-Allow-Headers") != hdr {
			t.Fatalf("headers %s refused: %v", hdr, w.Header())
		}
	}
	w = serve(s, http.MethodOptions, "/tickets", preflight("https://evil.example", "POST", "authorization"))
	if w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("refused origin got CORS headers: %v", w.Header())
	}
	if w := serve(s, http.MethodOptions, "/tickets", preflight(app, "POST", "x-custom")); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a header the API does not read was allowed: %v", w.Header())
	}
}

func TestCORSActualRequestAndItsRateLimit(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{IP: limit("ip", 1, time.Minute)}, app)
	w := serve(s, http.MethodGet, "/healthz", http.Header{"Origin": {app}})
	h := w.Header()
	if w.Code != http.StatusOK || h.Get("Access-Control-Allow-Origin") != app || h.Get("Vary") != "Origin" ||
		h.Get("Access-Control-Expose-Headers") != "Link, Retry-After, Ratelimit, Ratelimit-Policy, X-Request-Id, Etag, Location, Idempotent-Replayed, Content-Disposition" {
		t.Fatalf("actual request: %d %v", w.Code, h)
	}
	w = serve(s, http.MethodGet, "/healthz", http.Header{"Origin": {app}})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Access-Control-Allow-Origin") != app ||
		!strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Fatalf("a 429 a browser cannot read: %d %v", w.Code, w.Header())
	}
	w = serve(s, http.MethodOptions, "/healthz", preflight(app, "GET", ""))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("a preflight past the quota: %d %v", w.Code, w.Header())
	}
}

func TestNoCORSWithoutOrigins(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{})
	w := serve(s, http.MethodOptions, "/tickets", preflight(app, "POST", "authorization"))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS answered without ALLOWED_ORIGINS: %d %v", w.Code, w.Header())
	}
	if w := serve(s, http.MethodGet, "/healthz", http.Header{"Origin": {app}}); w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Vary") != "" {
		t.Fatalf("CORS headers without ALLOWED_ORIGINS: %v", w.Header())
	}
}

func TestCORSAnyOriginNeverWithCredentials(t *testing.T) {
	s, _ := limitedServer(t, RateLimits{}, "*")
	w := serve(s, http.MethodOptions, "/tickets", preflight("https://anyone.example", "POST", "authorization"))
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("*: %v", w.Header())
	}
}
