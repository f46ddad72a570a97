package netguard

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The dialler's hook refuses before any packet leaves: it is called here directly,
// with no connection attempted.
func TestControlRefusesBeforeDialing(t *testing.T) {
	p := New(Options{})
	for _, addr := range []string{
		"10.0.0.1:443",
		"169.254.169.254:80",
		"[fd00:ec2::254]:443",
		"[::ffff:127.0.0.1]:80",
		"[::ffff:169.254.169.254]:80",
		"127.0.0.1:8080",
		"[::1]:443",
		"[fe80::1%eth0]:443",
		"0.0.0.0:80",
		"[64:ff9b::a00:1]:443",
	} {
		if err := p.control(context.Background(), "tcp", addr, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(tcp, %s) = %v, want ErrForbiddenAddress", addr, err)
		}
	}
	for _, c := range []struct{ network, addr string }{
		{"udp", "93.184.216.34:53"},
		{"tcp", "public.example:443"}, // Control sees addresses, never names
		{"tcp", "93.184.216.34"},
	} {
		if err := p.control(context.Background(), c.network, c.addr, nil); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%s, %s) = %v, want ErrForbiddenAddress", c.network, c.addr, err)
		}
	}
	for _, addr := range []string{"93.184.216.34:443", "[2606:4700:4700::1111]:443"} {
		if err := p.control(context.Background(), "tcp4", addr, nil); err != nil {
			t.Errorf("control(tcp4, %s) = %v, want nil", addr, err)
		}
	}
	allowed := New(Options{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	if err := allowed.control(context.Background(), "tcp", "10.0.0.1:443", nil); err != nil {
		t.Errorf("control with 10.0.0.0/8 allowed = %v, want nil", err)
	}
}

// receiver is a loopback test server counting the requests it gets.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func loopbackPolicy(t *testing.T) *Policy {
	t.Helper()
	allow, err := ParseAllowList("127.0.0.1/32,::1")
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Allow: allow})
}

func TestClientReachesAnAllowedLoopbackReceiver(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := loopbackPolicy(t).Client(5 * time.Second)
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("GET %s = %d %q, want 200 ok", u, resp.StatusCode, body)
		}
	}
	if hits.Load() != 2 {
		t.Fatalf("receiver saw %d requests, want 2", hits.Load())
	}
}

func TestClientRefusesLoopbackWithoutTheAllowList(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	c := New(Options{}).Client(5 * time.Second)
	// By address, and by a name the system resolver maps to 127.0.0.1: the check
	// is on the address dialled, whatever the URL said.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s succeeded with %d, want a refused dial", u, resp.StatusCode)
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Fatalf("GET %s: %v, want ErrForbiddenAddress", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("receiver saw %d requests, want none", hits.Load())
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	target, targetHits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, location := range []string{target.URL + "/elsewhere", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/"} {
		t.Run(location, func(t *testing.T) {
			origin, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, location, http.StatusFound)
			})
			resp, err := loopbackPolicy(t).Client(5*time.Second).Post(origin.URL, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != location {
				t.Fatalf("got %d Location %q, want the 302 to %s itself", resp.StatusCode, resp.Header.Get("Location"), location)
			}
		})
	}
	if targetHits.Load() != 0 {
		t.Fatalf("the redirect target saw %d requests, want none", targetHits.Load())
	}
}

func TestTransportSettings(t *testing.T) {
	tr := New(Options{}).Transport()
	if tr.Proxy != nil {
		t.Error("Transport uses a proxy; want none (not even from the environment)")
	}
	if tr.TLSHandshakeTimeout != 5*time.Second || tr.ResponseHeaderTimeout != 15*time.Second {
		t.Errorf("TLS handshake %s, response header %s; want 5s and 15s", tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout)
	}
	c := New(Options{}).Client(30 * time.Second)
	if c.Timeout != 30*time.Second || c.CheckRedirect == nil {
		t.Errorf("Client timeout %s, CheckRedirect set %v", c.Timeout, c.CheckRedirect != nil)
	}
}

// With a resolver, a name is judged by the addresses it resolves to before
// anything is dialled: a name resolving to a private, metadata or loopback
// address (DNS rebinding after registration) is refused, and a name resolving
// to an allowed loopback receiver is reached.
func TestClientWithResolverChecksNamesBeforeDialling(t *testing.T) {
	srv, hits := receiver(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	names := &stubResolver{addrs: map[string][]string{
		"rebind.example.com":   {"127.0.0.1"},
		"metadata.example.com": {"169.254.169.254"},
		"private.example.com":  {"10.0.0.1"},
		"mixed.example.com":    {"93.184.215.14", "fd00::1"},
	}}
	c := New(Options{Resolver: names}).Client(5 * time.Second)
	for name := range names.addrs {
		resp, err := c.Get("http://" + name + ":" + port + "/hook")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s succeeded, want refused", name)
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: %v, want ErrForbiddenAddress", name, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the receiver saw %d requests, want none", hits.Load())
	}
	allowed := New(Options{Resolver: names, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}).Client(5 * time.Second)
	resp, err := allowed.Get("http://rebind.example.com:" + port + "/hook")
	if err != nil {
		t.Fatalf("GET through an allowed name: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("the receiver saw %d requests, want 1", hits.Load())
	}
}
