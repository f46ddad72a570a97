package netguard

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidURL is returned, wrapped with the reason, for a URL outbound requests
// must not use whatever its address: wrong scheme, credentials, no host.
var ErrInvalidURL = errors.New("invalid outbound URL")

// Resolver finds a host's addresses; *net.Resolver satisfies it, and tests pass
// a stub so no real lookup (or connection) happens.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL decides whether raw may be registered as an outbound endpoint: an
// absolute https URL (or http, see below) without user credentials whose host is
// an IP address CheckAddr accepts or a DNS name all of whose addresses it accepts.
// Numeric host spellings that are not a plain dotted quad or IPv6 literal
// (2130706433, 0x7f.1, 0177.0.0.1, 127.1) are refused outright: resolvers and
// C libraries read them as addresses in different ways, and no real host needs them.
//
// Plain http is accepted only with Options.AllowHTTP, or when every address of the
// host is in the allow-list (a receiver the operator deliberately named, such as a
// test receiver on loopback), so public endpoints are always reached over TLS.
//
// Passing CheckURL does not make later requests safe by itself (the name may
// resolve elsewhere by then): send them through Client, which checks each
// address it dials.
func (p *Policy) CheckURL(ctx context.Context, raw string, r Resolver) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if err := checkShape(u); err != nil {
		return err
	}
	addrs, err := p.hostAddrs(ctx, u.Hostname(), r)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return fmt.Errorf("host %s: %w", u.Hostname(), err)
		}
	}
	if u.Scheme == "http" && !p.allowHTTP && !p.allAllowed(addrs) {
		return fmt.Errorf("%w: http is only accepted for allow-listed hosts; use https", ErrInvalidURL)
	}
	return nil
}

func checkShape(u *url.URL) error {
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("%w: scheme %q, want https", ErrInvalidURL, u.Scheme)
	case u.Opaque != "":
		return fmt.Errorf("%w: not an absolute URL with a host", ErrInvalidURL)
	case u.User != nil:
		return fmt.Errorf("%w: user credentials in the URL are not accepted", ErrInvalidURL)
	case u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: port %q", ErrInvalidURL, port)
		}
	}
	return nil
}

// hostAddrs returns the addresses of host: itself when it is an IP literal, else
// what r resolves it to.
func (p *Policy) hostAddrs(ctx context.Context, host string, r Resolver) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if numericHost(host) {
		return nil, fmt.Errorf("%w: %q is a numeric host that is not a plain IP address", ErrForbiddenAddress, host)
	}
	if !dnsName(host) {
		return nil, fmt.Errorf("%w: host %q is not a DNS name (write internationalized names in their xn-- form)", ErrInvalidURL, host)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// numericHost reports whether host's last label is a number (decimal, or hex
// with 0x): no top-level domain is numeric, so such a host is an address in one
// of the legacy inet_aton spellings.
func numericHost(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := strings.ToLower(labels[len(labels)-1])
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// dnsName reports whether host is made of ASCII letters, digits, hyphens,
// underscores and dots, the characters a resolver is asked about.
func dnsName(host string) bool {
	for _, c := range []byte(host) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
		if !ok {
			return false
		}
	}
	return !strings.HasPrefix(host, ".") && !strings.Contains(host, "..")
}

func (p *Policy) allAllowed(addrs []netip.Addr) bool {
	for _, a := range addrs {
		if !p.allowed(a.WithZone("").Unmap()) {
			return false
		}
	}
	return true
}
