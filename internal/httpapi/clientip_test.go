package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48"),
		netip.MustParsePrefix("127.0.0.1/32")}
	cases := []struct {
		name, remote, xff, forwarded, want string
	}{
		{"direct peer", "203.0.113.5:4000", "", "", "203.0.113.5"},
		{"untrusted peer's header is ignored", "203.0.113.5:4000", "198.51.100.1", "", "203.0.113.5"},
		{"untrusted peer's Forwarded is ignored", "203.0.113.5:4000", "", "for=198.51.100.1", "203.0.113.5"},
		{"trusted proxy", "10.1.2.3:80", "198.51.100.1", "", "198.51.100.1"},
		{"spoofed left-most entry", "10.1.2.3:80", "6.6.6.6, 198.51.100.1", "", "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:80", "6.6.6.6, 198.51.100.1, 10.9.9.9, 10.8.8.8", "", "198.51.100.1"},
		{"trusted proxy without header", "10.1.2.3:80", "", "", "10.1.2.3"},
		{"garbage past the trusted hops", "10.1.2.3:80", "not-an-ip, 10.9.9.9", "", "10.9.9.9"},
		{"entry with a port", "10.1.2.3:80", "198.51.100.1:5555", "", "198.51.100.1"},
		{"IPv6 entry", "10.1.2.3:80", "[2001:DB8:2::1]:443", "", "2001:db8:2::1"},
		{"IPv6 peer", "[2001:0db8:0002:0000::7]:5000", "", "", "2001:db8:2::7"},
		{"trusted IPv6 proxy", "[2001:db8:1::5]:80", "2001:db8:3::9", "", "2001:db8:3::9"},
		{"IPv4-mapped peer", "[::ffff:203.0.113.9]:80", "", "", "203.0.113.9"},
		{"zone dropped", "[fe80::1%eth0]:80", "", "", "fe80::1"},
		{"Forwarded", "10.1.2.3:80", "", `for=6.6.6.6, for="[2001:db8:3::9]:4711";proto=https`, "2001:db8:3::9"},
		{"Forwarded chain", "127.0.0.1:80", "", "for=198.51.100.1;by=10.0.0.1, For=10.2.2.2", "198.51.100.1"},
		{"Forwarded unknown", "10.1.2.3:80", "", "for=unknown", "10.1.2.3"},
		{"X-Forwarded-For wins", "10.1.2.3:80", "198.51.100.1", "for=198.51.100.2", "198.51.100.1"},
		{"not an IP peer", "@", "198.51.100.1", "", "@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.forwarded != "" {
				r.Header.Set("Forwarded", c.forwarded)
			}
			if got := resolveClientIP(r, trusted); got != c.want {
				t.Fatalf("client %q, want %q", got, c.want)
			}
		})
	}
}

func TestClientIPReadsEveryForwardedForLine(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:80"
	r.Header.Add("X-Forwarded-For", "6.6.6.6, 198.51.100.1")
	r.Header.Add("X-Forwarded-For", "10.0.0.2")
	if got := resolveClientIP(r, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}); got != "198.51.100.1" {
		t.Fatalf("client %q", got)
	}
}

func TestIPKeyGroupsIPv6By64(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.5":             "203.0.113.5",
		"2001:db8:1:2:aaaa::1":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:1:2:3": "2001:db8:1:2::/64",
		"@":                       "@",
	} {
		if got := ipKey(in); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", in, got, want)
		}
	}
}
