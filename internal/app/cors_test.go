package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const (
	allowedOrigin = "https://app.example.com"
	otherOrigin   = "https://evil.example.net"
)

var corsEnv = map[string]string{"ALLOWED_ORIGINS": allowedOrigin + ",http://localhost:3000"}

// preflightFor sends the OPTIONS request a browser sends before method path with headers.
func (in *instance) preflightFor(origin, method, path, headers string) response {
	in.t.Helper()
	return in.from("", http.MethodOptions, path, "", nil, "Origin", origin,
		"Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers)
}

func varies(r response, h string) bool {
	for _, v := range r.header.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), h) {
				return true
			}
		}
	}
	return false
}

func TestCORSPreflights(t *testing.T) {
	forEachEngineWith(t, corsEnv, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Cross-origin", "")
		cases := []struct{ method, path, headers string }{
			{"GET", aiPath(tk.ID), "authorization,last-event-id"}, // the reply stream, resuming
			{"POST", aiPath(tk.ID) + "/token", "authorization"},
			{"POST", "/tickets", "authorization,content-type,idempotency-key"},
			{"PATCH", "/tickets/" + tk.ID, "authorization,content-type,if-match,x-request-id"},
			{"POST", "/auth/login", "content-type"},
		}
		for _, c := range cases {
			r := in.preflightFor(allowedOrigin, c.method, c.path, c.headers)
			h := r.header
			if r.status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != allowedOrigin ||
				h.Get("Access-Control-Allow-Methods") != c.method || h.Get("Access-Control-Allow-Headers") != c.headers ||
				h.Get("Access-Control-Max-Age") != "600" || h.Get("Access-Control-Allow-Credentials") != "" || !varies(r, "Origin") {
				t.Fatalf("preflight %s %s: %d %v", c.method, c.path, r.status, h)
			}
			if h.Get("RateLimit") == "" {
				t.Fatalf("preflight %s %s not rate limited", c.method, c.path)
			}
		}
		r := in.preflightFor(otherOrigin, "GET", aiPath(tk.ID), "authorization,last-event-id")
		if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" ||
			r.header.Get("Access-Control-Allow-Headers") != "" || !varies(r, "Origin") {
			t.Fatalf("preflight from a refused origin: %d %v", r.status, r.header)
		}
		r = in.preflightFor(allowedOrigin, "GET", aiPath(tk.ID), "authorization,x-secret")
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight for a header the API does not take: %v", r.header)
		}
	})
}

func TestCORSActualRequests(t *testing.T) {
	forEachEngineWith(t, corsEnv, func(t *testing.T, in *instance) {
		u := in.newUser()
		r := in.from("", "GET", "/tickets", u.Token, nil, "Origin", allowedOrigin)
		expect(t, r, http.StatusOK)
		exposed := strings.ToLower(r.header.Get("Access-Control-Expose-Headers"))
		for _, h := range []string{"link", "retry-after", "ratelimit", "ratelimit-policy", "x-request-id", "etag", "location"} {
			if !strings.Contains(", "+exposed+",", ", "+h+",") {
				t.Fatalf("%s not exposed: %q", h, exposed)
			}
		}
		if r.header.Get("Access-Control-Allow-Origin") != allowedOrigin || !varies(r, "Origin") ||
			r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("allowed origin: %v", r.header)
		}
		r = in.from("", "GET", "/tickets", u.Token, nil, "Origin", otherOrigin)
		expect(t, r, http.StatusOK) // the browser, not the server, withholds it from the page
		if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Expose-Headers") != "" || !varies(r, "Origin") {
			t.Fatalf("refused origin: %v", r.header)
		}
		// An error is readable too.
		r = in.from("", "GET", "/tickets/"+strings.Repeat("0", 8), u.Token, nil, "Origin", "http://localhost:3000")
		if r.status < 400 || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
			t.Fatalf("error response: %d %v", r.status, r.header)
		}
	})
}

// TestCORSStreamTokenFlow follows what a page on another origin does: get a stream
// token with its bearer token, then open the returned URL with EventSource (no
// Authorization header, the Origin header only).
func TestCORSStreamTokenFlow(t *testing.T) {
	forEachEngineWith(t, corsEnv, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "How do I export my data?", "I need a CSV of everything.")
		r := in.from("", "POST", aiPath(tk.ID)+"/token", u.Token, nil, "Origin", allowedOrigin)
		expect(t, r, http.StatusCreated)
		if r.header.Get("Access-Control-Allow-Origin") != allowedOrigin {
			t.Fatalf("stream token response: %v", r.header)
		}
		var tok struct{ URL string }
		if err := json.Unmarshal(r.body, &tok); err != nil || tok.URL == "" {
			t.Fatalf("token body %s", r.body)
		}
		s := in.openStream(tok.URL, "", map[string]string{"Origin": allowedOrigin, "Accept": "text/event-stream"})
		if s.resp.StatusCode != http.StatusOK || s.resp.Header.Get("Access-Control-Allow-Origin") != allowedOrigin ||
			!strings.HasPrefix(s.resp.Header.Get("Content-Type"), "text/event-stream") || s.resp.Header.Get("RateLimit") == "" {
			t.Fatalf("stream: %d %v", s.resp.StatusCode, s.resp.Header)
		}
		evs := s.all(t)
		if len(evs) < 2 || evs[len(evs)-1].Event != "done" {
			t.Fatalf("stream events %+v", evs)
		}
	})
}

func TestNoCORSWithoutAllowedOrigins(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		r := in.preflightFor(allowedOrigin, "GET", "/tickets", "authorization")
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight without ALLOWED_ORIGINS: %d %v", r.status, r.header)
		}
		if r := in.from("", "GET", "/healthz", "", nil, "Origin", allowedOrigin); r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("ACAO without ALLOWED_ORIGINS: %v", r.header)
		}
	})
}
