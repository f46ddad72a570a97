package netguard

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestCheckAddrRefuses(t *testing.T) {
	p := New(Options{})
	cases := map[string]string{ // address -> a word the error must hold
		"0.0.0.0":                  "this network",
		"0.1.2.3":                  "this network",
		"10.0.0.1":                 "private",
		"10.255.255.255":           "private",
		"100.64.0.1":               "carrier-grade NAT",
		"100.127.255.254":          "carrier-grade NAT",
		"127.0.0.1":                "loopback",
		"127.255.255.254":          "loopback",
		"169.254.169.254":          "metadata",
		"169.254.0.1":              "link-local",
		"172.16.0.1":               "private",
		"172.31.255.255":           "private",
		"192.0.0.1":                "IETF",
		"192.0.2.1":                "documentation",
		"192.168.1.1":              "private",
		"198.18.0.1":               "benchmarking",
		"198.19.255.255":           "benchmarking",
		"198.51.100.7":             "documentation",
		"203.0.113.7":              "documentation",
		"224.0.0.1":                "multicast",
		"239.255.255.250":          "multicast",
		"240.0.0.1":                "reserved",
		"255.255.255.255":          "broadcast",
		"::":                       "unspecified",
		"::1":                      "loopback",
		"::ffff:127.0.0.1":         "loopback",
		"::ffff:7f00:1":            "loopback",
		"::ffff:10.0.0.1":          "private",
		"::ffff:169.254.169.254":   "metadata",
		"::127.0.0.1":              "IPv4-compatible",
		"64:ff9b::7f00:1":          "loopback",
		"64:ff9b::a9fe:a9fe":       "metadata",
		"64:ff9b::c0a8:101":        "private",
		"64:ff9b:1::a00:1":         "NAT64",
		"2002:7f00:1::1":           "loopback",
		"2002:a9fe:a9fe::":         "metadata",
		"2002:c0a8:101::1":         "private",
		"2001::1":                  "Teredo",
		"2001:db8::1":              "documentation",
		"2001:10::1":               "IETF",
		"3fff::1":                  "documentation",
		"100::1":                   "discard",
		"fc00::1":                  "unique local",
		"fd12:3456::1":             "unique local",
		"fd00:ec2::254":            "metadata",
		"fe80::1":                  "link-local",
		"fe80::1%eth0":             "link-local",
		"febf:ffff::1":             "link-local",
		"fec0::1":                  "site-local",
		"ff02::1":                  "multicast",
		"ff0e::1":                  "multicast",
		"0:0:0:0:0:ffff:7f00:0001": "loopback",
	}
	for in, word := range cases {
		t.Run(in, func(t *testing.T) {
			err := p.CheckAddr(netip.MustParseAddr(in))
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("CheckAddr(%s) = %v, want ErrForbiddenAddress", in, err)
			}
			if !strings.Contains(err.Error(), word) {
				t.Errorf("CheckAddr(%s) = %q, want the reason %q", in, err, word)
			}
		})
	}
	if err := p.CheckAddr(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("CheckAddr(zero Addr) = %v, want ErrForbiddenAddress", err)
	}
}

func TestCheckAddrAcceptsPublic(t *testing.T) {
	p := New(Options{})
	for _, in := range []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34",
		"9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
		"169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
		"198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
		"::ffff:8.8.8.8",     // mapped public IPv4
		"64:ff9b::808:808",   // NAT64 of 8.8.8.8
		"2002:808:808::1",    // 6to4 of 8.8.8.8
		"2001:4860:4860::88", // outside 2001::/23
	} {
		if err := p.CheckAddr(netip.MustParseAddr(in)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil", in, err)
		}
	}
}

func TestCheckAddrAllowList(t *testing.T) {
	allow, err := ParseAllowList("127.0.0.1/32, ::1, 10.0.0.0/8, ::ffff:192.168.7.0/120")
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Allow: allow})
	cases := []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"64:ff9b::a01:203", true}, // NAT64 of the allowed 10.1.2.3
		{"192.168.7.9", true},
		{"192.168.8.1", false},
		{"127.0.0.2", false},
		{"169.254.169.254", false},
		{"fd00:ec2::254", false},
		{"172.16.0.1", false},
		{"8.8.8.8", true}, // public stays reachable
	}
	for _, c := range cases {
		err := p.CheckAddr(netip.MustParseAddr(c.addr))
		if c.allowed != (err == nil) {
			t.Errorf("CheckAddr(%s) = %v, want allowed=%v", c.addr, err, c.allowed)
		}
	}
}

func TestParseAllowList(t *testing.T) {
	good := map[string][]string{
		"":                            nil,
		" , ":                         nil,
		"127.0.0.1/32,::1,10.0.0.0/8": {"127.0.0.1/32", "::1/128", "10.0.0.0/8"},
		" 192.168.1.5 , fd00::/8 ,":   {"192.168.1.5/32", "fd00::/8"},
		"::ffff:10.0.0.0/104":         {"10.0.0.0/8"},
		"::ffff:127.0.0.1":            {"127.0.0.1/32"},
		"0.0.0.0/0":                   {"0.0.0.0/0"},
	}
	for in, want := range good {
		got, err := ParseAllowList(in)
		if err != nil {
			t.Errorf("ParseAllowList(%q): %v", in, err)
			continue
		}
		var strs []string
		for _, p := range got {
			strs = append(strs, p.String())
		}
		if !slices.Equal(strs, want) {
			t.Errorf("ParseAllowList(%q) = %v, want %v", in, strs, want)
		}
	}
	bad := map[string]string{ // input -> a word the error must hold
		"localhost":            "host name",
		"receiver.internal":    "host name",
		"127.0.0.1:8080":       "host:port",
		"[::1]:8080":           "host:port",
		"10.0.0.1/8":           "10.0.0.0/8",
		"10.0.0.0/33":          "CIDR",
		"10.0.0.0/":            "CIDR",
		"fe80::1%eth0":         "zone",
		"127.0.0.1,nonsense":   "nonsense",
		"127.0.0.1;10.0.0.0/8": "127.0.0.1;10.0.0.0/8",
		"2130706433":           "IP address",
	}
	for in, word := range bad {
		got, err := ParseAllowList(in)
		if err == nil {
			t.Errorf("ParseAllowList(%q) = %v, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), word) {
			t.Errorf("ParseAllowList(%q) = %q, want it to mention %q", in, err, word)
		}
	}
}
