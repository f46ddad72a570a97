package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the request's client: the direct peer, or, when the peer is a
// trusted proxy, the right-most forwarded address that is not itself a trusted
// proxy. Headers are read only from trusted peers: anyone else can write them.
// X-Forwarded-For is read first, then RFC 7239 Forwarded's for=. ok is false when
// the peer is no IP address (a Unix socket, a test's fake RemoteAddr).
func clientAddr(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, ok bool) {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok || !isTrusted(peer, trusted) {
		return peer, ok
	}
	hops, forwarded := r.Header.Values("X-Forwarded-For"), false
	if len(hops) == 0 {
		hops, forwarded = r.Header.Values("Forwarded"), true
	}
	client := peer
	// Walk right to left: each hop was appended by the proxy to its right, and only
	// trusted proxies' words count, so stop at the first address not a trusted proxy.
	for i := len(hops) - 1; i >= 0; i-- {
		for _, hop := range rightToLeft(hops[i]) {
			if forwarded {
				hop = forwardedFor(hop)
			}
			a, ok := parseHost(hop)
			if !ok {
				return client, true // garbage past the trusted hops: the last good one is all we know
			}
			client = a
			if !isTrusted(a, trusted) {
				return client, true
			}
		}
	}
	return client, true
}

// resolveClientIP is clientAddr as text for logs and keys (the raw RemoteAddr when
// it is no IP). instrument stores it in the request's logging.Fields, where
// clientIP(ctx) reads it.
func resolveClientIP(r *http.Request, trusted []netip.Prefix) string {
	if a, ok := clientAddr(r, trusted); ok {
		return a.String()
	}
	return r.RemoteAddr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// rightToLeft splits a comma-separated header value, last element first.
func rightToLeft(v string) []string {
	parts := strings.Split(v, ",")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts
}

// forwardedFor returns the for= parameter of one Forwarded element
// (for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"), or "".
func forwardedFor(element string) string {
	for pair := range strings.SplitSeq(element, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(k, "for") {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// parseHost reads an address with or without a port ("192.0.2.1", "192.0.2.1:80",
// "[2001:db8::1]:80", "[2001:db8::1]", "2001:db8::1"), in canonical form: IPv4-mapped
// IPv6 addresses unmapped, zones dropped.
func parseHost(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// ipKey is the rate-limit key of a client address: IPv6 clients are limited per
// /64, the block a single subscriber usually holds, so rotating addresses within it
// gains nothing.
func ipKey(ip string) string {
	if !strings.Contains(ip, ":") {
		return ip
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return ip
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
