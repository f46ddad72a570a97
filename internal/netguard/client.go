package netguard

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Timeouts of the outbound transport; the whole request's deadline is the caller's
// (Client's timeout or the request context).
const (
	DialTimeout           = 5 * time.Second
	TLSHandshakeTimeout   = 5 * time.Second
	ResponseHeaderTimeout = 15 * time.Second
)

// Transport returns an http.Transport that only connects to addresses CheckAddr
// accepts: the check runs in the dialler's Control hook on the very IP and port
// being connected, after DNS resolution, so a name that resolved to a public
// address at registration and to a private one now (DNS rebinding) is still
// refused. Proxies from the environment are ignored: a proxy would connect on our
// behalf, out of the check's sight.
func (p *Policy) Transport() *http.Transport {
	d := &net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second, ControlContext: p.control}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            p.dialer(d),
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    TLSHandshakeTimeout,
		ResponseHeaderTimeout:  ResponseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Client returns an http.Client over Transport that never follows redirects: it
// returns the 3xx response itself, so a receiver cannot bounce a delivery to an
// internal address and the caller records the redirect as a failed attempt.
// timeout bounds each whole request (0 means none; prefer a request context).
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: p.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dialer is d's DialContext, or, with Options.Resolver, one that resolves
// names through it, refuses a host any of whose addresses CheckAddr refuses
// (before connecting to any), and dials the addresses one by one. Control
// checks each connection again.
func (p *Policy) dialer(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	if p.resolver == nil {
		return d.DialContext
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if _, err := netip.ParseAddr(host); err == nil {
			return d.DialContext(ctx, network, address)
		}
		addrs, err := p.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if err := p.CheckAddr(a); err != nil {
				return nil, fmt.Errorf("host %s: %w", host, err)
			}
		}
		var firstErr error
		for _, a := range addrs {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			firstErr = cmp.Or(firstErr, err)
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("host %s has no address", host)
		}
		return nil, firstErr
	}
}

// control is the dialler's Control hook: it refuses connections to addresses
// CheckAddr refuses, and anything but TCP.
func (p *Policy) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %s", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: dial address %q: %w", ErrForbiddenAddress, address, err)
	}
	return p.CheckAddr(ap.Addr())
}
