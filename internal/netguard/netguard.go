// Package netguard keeps outbound requests to user-supplied URLs (webhook
// endpoints) away from the service's own network: loopback, private, link-local,
// cloud metadata and other special addresses are refused unless an operator's
// allow-list names them. URLs are checked when they are registered, and every
// address actually dialled is checked again, so a DNS answer that changes between
// the check and the connection (rebinding) gains nothing.
package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrForbiddenAddress is returned, wrapped with the address and the reason, for
// an address outbound requests must not reach.
var ErrForbiddenAddress = errors.New("forbidden address")

// Options configure a Policy.
type Options struct {
	// Allow lists addresses reachable despite the rules (WEBHOOK_ALLOW_PRIVATE):
	// an on-premise receiver, or the loopback receivers of tests.
	Allow []netip.Prefix
	// AllowHTTP lets CheckURL accept http:// for any permitted host. Without it,
	// http:// is accepted only when every address of the host is in Allow.
	AllowHTTP bool
	// Resolver, when set, finds the addresses Transport dials for a host name
	// (each is checked before any connection is tried); nil leaves it to the
	// system resolver, the address then checked as the socket is opened.
	// Tests pass a stub so that names of any address are judged without DNS.
	Resolver Resolver
}

// Policy decides which addresses and URLs outbound requests may reach. It is
// immutable and safe for concurrent use.
type Policy struct {
	allow     []netip.Prefix
	allowHTTP bool
	resolver  Resolver
}

// New returns a Policy with opts.
func New(opts Options) *Policy {
	allow := make([]netip.Prefix, 0, len(opts.Allow))
	for _, p := range opts.Allow {
		allow = append(allow, normalize(p))
	}
	return &Policy{allow: allow, allowHTTP: opts.AllowHTTP, resolver: opts.Resolver}
}

// ParseAllowList reads a comma-separated list of IP addresses and CIDR prefixes,
// such as "127.0.0.1/32,::1,10.0.0.0/8". Host names are not accepted: the dialler
// sees only addresses, and a name's addresses can change after the check. An
// empty list allows nothing.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseAllowEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("allow-list entry %q: %w", entry, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseAllowEntry(entry string) (netip.Prefix, error) {
	if strings.Contains(entry, "%") {
		return netip.Prefix{}, errors.New("zones (%...) are not accepted")
	}
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR prefix such as 10.0.0.0/8 or fd00::/8: %w", err)
		}
		if p != p.Masked() {
			return netip.Prefix{}, fmt.Errorf("host bits set: did you mean %s?", p.Masked())
		}
		return normalize(p), nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("want an IP address or a CIDR prefix (not a host name or host:port): %w", err)
	}
	return normalize(netip.PrefixFrom(a, a.BitLen())), nil
}

// normalize writes IPv4-mapped IPv6 prefixes (::ffff:10.0.0.0/104) as IPv4, the
// form CheckAddr compares.
func normalize(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// CheckAddr returns nil if outbound requests may reach a, and otherwise an error
// wrapping ErrForbiddenAddress that names the address and the range it is in.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they map, and the
// IPv4 address embedded in a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address is
// judged too, since that is where the packets end up.
func (p *Policy) CheckAddr(a netip.Addr) error {
	if !a.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	}
	shown := a
	a = a.WithZone("").Unmap()
	if p.allowed(a) {
		return nil
	}
	if v4, ok := embeddedIPv4(a); ok {
		if err := p.CheckAddr(v4); err != nil {
			return fmt.Errorf("%s embeds %w", shown, err)
		}
		return nil
	}
	if reason := refusal(a); reason != "" {
		return fmt.Errorf("%w: %s (%s)", ErrForbiddenAddress, shown, reason)
	}
	return nil
}

func (p *Policy) allowed(a netip.Addr) bool {
	for _, pr := range p.allow {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address that a NAT64 or 6to4 address carries.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// refused are the ranges outbound requests never reach unless allowed: the IANA
// special-purpose registries' entries that are not globally reachable, plus the
// cloud metadata addresses by name (169.254.169.254 and fd00:ec2::254 are also in
// the link-local and unique-local ranges; listing them first makes the error say so).
var refused = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (private)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// refusal names the refused range holding a, or returns "" for a public address.
func refusal(a netip.Addr) string {
	for _, r := range refused {
		if r.prefix.Contains(a) {
			return r.reason
		}
	}
	if !a.IsGlobalUnicast() { // belt and braces for anything the table misses
		return "not global unicast"
	}
	return ""
}
