package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/ratelimit"
)

// LimitsConfig holds the rate limits, the trusted proxies, the CORS allow-list and
// the login protection settings.
type LimitsConfig struct {
	// --- rate limits, client IP, CORS (below) ---
	Rate           RateLimits
	TrustedProxies []netip.Prefix // TRUSTED_PROXIES: peers whose X-Forwarded-For/Forwarded is believed
	AllowedOrigins []string       // ALLOWED_ORIGINS: browser origins allowed by CORS; "*" alone: any

	// --- login protection (below) ---
	Login LoginLimits
}

func loadLimits(r *reader) LimitsConfig {
	return LimitsConfig{
		Rate:           loadRates(r),
		TrustedProxies: r.prefixes("TRUSTED_PROXIES"),
		AllowedOrigins: r.origins("ALLOWED_ORIGINS"),
		Login:          loadLogin(r),
	}
}

func (c LimitsConfig) validate() error { return c.Login.validate() }

// --- rate limits, client IP, CORS ---

// RateLimits are the request buckets every route draws from (see internal/httpapi/ratelimit.go).
// A limit whose Count is 0 is off.
type RateLimits struct {
	User   ratelimit.Limit // RATE_LIMIT_USER: every authenticated request, per user
	IP     ratelimit.Limit // RATE_LIMIT_IP: every anonymous request, per client IP
	Signup ratelimit.Limit // RATE_LIMIT_SIGNUP: POST /auth/signup, per client IP
	Login  ratelimit.Limit // RATE_LIMIT_LOGIN: POST /auth/login, per client IP
	Write  ratelimit.Limit // RATE_LIMIT_WRITE: new tickets, messages and notes, per user
}

func loadRates(r *reader) RateLimits {
	return RateLimits{
		User:   r.rate("RATE_LIMIT_USER", "user", "300/1m"),
		IP:     r.rate("RATE_LIMIT_IP", "ip", "300/1m"),
		Signup: r.rate("RATE_LIMIT_SIGNUP", "signup", "20/1h"),
		Login:  r.rate("RATE_LIMIT_LOGIN", "login", "30/1m"),
		Write:  r.rate("RATE_LIMIT_WRITE", "write", "60/1m"),
	}
}

// rate reads "N/period" or "off" into the limit named name.
func (r *reader) rate(key, name, def string) ratelimit.Limit {
	l, err := ratelimit.ParseLimit(name, r.str(key, def))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s: %w", key, err)
	}
	return l
}

// prefixes reads a comma-separated list of CIDRs or addresses (an address is its
// own /32 or /128).
func (r *reader) prefixes(key string) []netip.Prefix {
	var out []netip.Prefix
	for _, item := range splitList(r.str(key, "")) {
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil || a.Zone() != "" {
				if r.err == nil {
					r.err = fmt.Errorf("%s: %q is not a CIDR (10.0.0.0/8) or an IP address", key, item)
				}
				continue
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, unmapPrefix(p).Masked())
	}
	return out
}

// unmapPrefix turns ::ffff:10.0.0.0/104 into 10.0.0.0/8, as client addresses are unmapped too.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// origins reads a comma-separated list of scheme://host[:port] origins, or "*".
func (r *reader) origins(key string) []string {
	var out []string
	items := splitList(r.str(key, ""))
	for _, item := range items {
		o, err := origin(item)
		if err == nil && o == "*" && len(items) > 1 {
			err = errors.New(`"*" allows every origin: list it alone`)
		}
		if err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("%s: %w", key, err)
			}
			continue
		}
		out = append(out, o)
	}
	return out
}

// origin checks a browser origin, scheme://host[:port], and returns it lower-cased
// as browsers send it.
func origin(s string) (string, error) {
	if s == "*" {
		return s, nil
	}
	bad := fmt.Errorf("%q is not an origin such as https://app.example.com or http://localhost:3000", s)
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(u.Host, "*?#") {
		return "", bad
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad
		}
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// --- login protection ---

// LoginLimits throttle failed logins (support.LoginGuardConfig explains the
// design) and bound the queue of password hashes.
type LoginLimits struct {
	MaxFailures      int           // LOGIN_MAX_FAILURES: per account within the window
	MaxFailuresPerIP int           // LOGIN_MAX_FAILURES_PER_IP: per client IP within the window
	FailureWindow    time.Duration // LOGIN_FAILURE_WINDOW
	LockoutBase      time.Duration // LOGIN_LOCKOUT_BASE: first lockout, doubling per further failure
	LockoutMax       time.Duration // LOGIN_LOCKOUT_MAX: longest lockout
	HashQueue        int           // PASSWORD_HASH_QUEUE: hashes waiting for a slot before 503
}

func loadLogin(r *reader) LoginLimits {
	return LoginLimits{
		MaxFailures:      r.int("LOGIN_MAX_FAILURES", 10),
		MaxFailuresPerIP: r.int("LOGIN_MAX_FAILURES_PER_IP", 50),
		FailureWindow:    r.duration("LOGIN_FAILURE_WINDOW", 15*time.Minute),
		LockoutBase:      r.duration("LOGIN_LOCKOUT_BASE", 30*time.Second),
		LockoutMax:       r.duration("LOGIN_LOCKOUT_MAX", 15*time.Minute),
		HashQueue:        r.int("PASSWORD_HASH_QUEUE", 16),
	}
}

// maxAccountFailuresPerHour is ASVS 4.0.3 2.2.1's ceiling of failed logins per
// account per hour.
const maxAccountFailuresPerHour = 100

func (l LoginLimits) validate() error {
	var errs []error
	if l.MaxFailures < 1 {
		errs = append(errs, errors.New("LOGIN_MAX_FAILURES must be at least 1"))
	}
	if l.MaxFailuresPerIP < 1 {
		errs = append(errs, errors.New("LOGIN_MAX_FAILURES_PER_IP must be at least 1"))
	}
	if l.FailureWindow < time.Minute || l.FailureWindow > 24*time.Hour {
		errs = append(errs, fmt.Errorf("LOGIN_FAILURE_WINDOW must be between 1m and 24h, not %s", l.FailureWindow))
	} else if l.MaxFailures >= 1 && float64(l.MaxFailures)*float64(time.Hour)/float64(l.FailureWindow) > maxAccountFailuresPerHour {
		errs = append(errs, fmt.Errorf("LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW (%d per %s) allows more than %d failed logins an hour on one account",
			l.MaxFailures, l.FailureWindow, maxAccountFailuresPerHour))
	}
	if l.LockoutBase < time.Second {
		errs = append(errs, fmt.Errorf("LOGIN_LOCKOUT_BASE must be at least 1s, not %s", l.LockoutBase))
	}
	if l.LockoutMax < l.LockoutBase || l.LockoutMax > 24*time.Hour {
		errs = append(errs, fmt.Errorf("LOGIN_LOCKOUT_MAX must be between LOGIN_LOCKOUT_BASE and 24h, not %s", l.LockoutMax))
	}
	if l.HashQueue < 0 {
		errs = append(errs, errors.New("PASSWORD_HASH_QUEUE must be 0 or more"))
	}
	return errors.Join(errs...)
}
