package netguard

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// stubResolver answers from a table and records what it was asked; unknown
// names fail as NXDOMAIN would. No real DNS is ever consulted.
type stubResolver struct {
	mu    sync.Mutex
	addrs map[string][]string
	asked []string
}

func (r *stubResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, network+" "+host)
	strs, ok := r.addrs[strings.TrimSuffix(strings.ToLower(host), ".")]
	if !ok {
		return nil, errors.New("no such host")
	}
	out := make([]netip.Addr, 0, len(strs))
	for _, s := range strs {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func newStub() *stubResolver {
	return &stubResolver{addrs: map[string][]string{
		"public.example":      {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"private.example":     {"10.0.0.1"},
		"metadata.example":    {"169.254.169.254"},
		"mapped.example":      {"::ffff:127.0.0.1"},
		"ec2v6.example":       {"fd00:ec2::254"},
		"loopback.example":    {"127.0.0.1"},
		"mixed.example":       {"93.184.216.34", "192.168.0.10"},
		"nat64.example":       {"64:ff9b::a9fe:a9fe"},
		"empty.example":       {},
		"127.0.0.1.nip.io":    {"127.0.0.1"},
		"0x7f.example.com":    {"93.184.216.34"}, // a hex-looking label inside a name is fine
		"under_score.example": {"93.184.216.34"},
	}}
}

func TestCheckURLRefusesForbiddenAddresses(t *testing.T) {
	for _, raw := range []string{
		"https://127.0.0.1/hook",
		"http://127.0.0.1:8080/hook",
		"https://[::1]/",
		"https://0.0.0.0/",
		"https://[::]/",
		"https://169.254.169.254/latest/meta-data/",
		"https://[fd00:ec2::254]/",
		"https://[::ffff:127.0.0.1]/",
		"https://[::ffff:7f00:1]/",
		"https://[64:ff9b::a9fe:a9fe]/",
		"https://[fe80::1%25eth0]/",
		"https://10.0.0.1/",
		"https://172.16.5.4:8443/",
		"https://192.168.1.1/",
		"https://100.64.0.1/",
		// Legacy numeric spellings of 127.0.0.1 (and others) that C resolvers accept.
		"http://2130706433/",
		"http://0x7f.1/",
		"http://0x7f000001/",
		"http://0177.0.0.1/",
		"http://0177.1/",
		"http://127.1/",
		"http://127.0.1/",
		"http://017700000001/",
		"http://0x7F.0x0.0x0.0x1/",
		"http://127.0.0.1./",
		"http://8.8.8.8./", // even public: a numeric host must be a plain literal
		// Names resolving to refused addresses.
		"https://private.example/",
		"https://metadata.example/",
		"https://mapped.example/",
		"https://ec2v6.example/",
		"https://loopback.example/",
		"https://LOOPBACK.example/",
		"https://127.0.0.1.nip.io/",
		"https://mixed.example/", // one public address does not excuse a private one
		"https://nat64.example/",
	} {
		t.Run(raw, func(t *testing.T) {
			err := New(Options{}).CheckURL(context.Background(), raw, newStub())
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("CheckURL(%q) = %v, want ErrForbiddenAddress", raw, err)
			}
		})
	}
}

func TestCheckURLRefusesMalformed(t *testing.T) {
	for _, raw := range []string{
		"",
		"public.example/hook",
		"//public.example/hook",
		"ftp://public.example/",
		"file:///etc/passwd",
		"gopher://public.example:70/",
		"javascript:alert(1)",
		"mailto:ops@public.example",
		"https:public.example",
		"https:///hook",
		"https://user:secret@public.example/",
		"https://user@public.example/",
		"https://public.example:0/",
		"https://public.example:99999/",
		"https://exämple.com/",
		"https://public..example/",
		"http://public.example/", // plain http to a public host
		"http://93.184.216.34/",
		"https://public.example:port/",
		"https://[::1/",
	} {
		t.Run(raw, func(t *testing.T) {
			err := New(Options{}).CheckURL(context.Background(), raw, newStub())
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("CheckURL(%q) = %v, want ErrInvalidURL", raw, err)
			}
		})
	}
}

func TestCheckURLAccepts(t *testing.T) {
	for _, raw := range []string{
		"https://public.example/hooks/supportd?x=1",
		"HTTPS://Public.Example/",
		"https://public.example.:8443/",
		"https://93.184.216.34/",
		"https://[2606:4700:4700::1111]:8443/",
		"https://0x7f.example.com/",
		"https://under_score.example/",
	} {
		if err := New(Options{}).CheckURL(context.Background(), raw, newStub()); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", raw, err)
		}
	}
}

func TestCheckURLResolverFailure(t *testing.T) {
	for _, raw := range []string{"https://nxdomain.example/", "https://empty.example/"} {
		err := New(Options{}).CheckURL(context.Background(), raw, newStub())
		if err == nil || errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrInvalidURL) {
			t.Errorf("CheckURL(%q) = %v, want a resolution error", raw, err)
		}
	}
}

func TestCheckURLResolvesOnlyNames(t *testing.T) {
	r := newStub()
	p := New(Options{})
	for _, raw := range []string{"https://10.0.0.1/", "https://[::1]/", "http://2130706433/", "http://0x7f.1/", "https://93.184.216.34/"} {
		_ = p.CheckURL(context.Background(), raw, r)
	}
	if len(r.asked) != 0 {
		t.Fatalf("IP literals and numeric hosts were looked up: %v", r.asked)
	}
	_ = p.CheckURL(context.Background(), "https://public.example/", r)
	if len(r.asked) != 1 || r.asked[0] != "ip public.example" {
		t.Fatalf("lookups = %v, want [ip public.example]", r.asked)
	}
}

func TestCheckURLWithAllowList(t *testing.T) {
	allow, err := ParseAllowList("127.0.0.1/32,::1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts Options
		raw  string
		want error
	}{
		{"allowed loopback over http", Options{Allow: allow}, "http://127.0.0.1:8080/hook", nil},
		{"allowed loopback over https", Options{Allow: allow}, "https://127.0.0.1:8443/hook", nil},
		{"allowed IPv6 loopback", Options{Allow: allow}, "http://[::1]:8080/hook", nil},
		{"mapped form of an allowed address", Options{Allow: allow}, "http://[::ffff:127.0.0.1]:8080/", nil},
		{"name resolving to an allowed address", Options{Allow: allow}, "http://loopback.example:8080/", nil},
		{"other loopback address", Options{Allow: allow}, "http://127.0.0.2/", ErrForbiddenAddress},
		{"metadata stays refused", Options{Allow: allow}, "http://169.254.169.254/", ErrForbiddenAddress},
		{"legacy numeric spelling stays refused", Options{Allow: allow}, "http://2130706433:8080/", ErrForbiddenAddress},
		{"http to a public host", Options{Allow: allow}, "http://public.example/", ErrInvalidURL},
		{"http to a public host with AllowHTTP", Options{AllowHTTP: true}, "http://public.example/", nil},
		{"AllowHTTP allows no private address", Options{AllowHTTP: true}, "http://127.0.0.1/", ErrForbiddenAddress},
		{"loopback without the allow-list", Options{}, "http://loopback.example/", ErrForbiddenAddress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := New(c.opts).CheckURL(context.Background(), c.raw, newStub())
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("CheckURL(%q) = %v, want %v", c.raw, err, c.want)
			}
		})
	}
}
