package support

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// LoginGuardConfig sets how failed logins are throttled, per account (the email key,
// whether or not an account has it) and per client IP.
//
// Once an account has MaxFailures failures, each further attempt must wait
// LockoutBase after the latest failure, doubling with every failure after that, up
// to LockoutMax; attempts refused meanwhile are answered 429 before any password
// is hashed and count for nothing. Failures lapse Window after the latest one (or
// after the end of its lockout). So, with the defaults (10, 15m, 30s, 15m):
//   - an attacker gets MaxFailures guesses per Window plus a few escalating ones:
//     10 at once, then one after 30s, 1m, 2m, 4m and 8m, then one per 15m: 17 in
//     the first hour, 4 an hour after that; waiting for the count to lapse instead
//     gives 10 per 15m30s, 40 an hour (TestDefaultPolicyStaysUnderASVSCeiling).
//     Both stay well under ASVS 4.0.3 2.2.1's 100 failures per hour per account,
//     and config refuses settings where MaxFailures per Window alone exceeds it;
//   - the real owner is locked out at most LockoutMax after the latest failure: a
//     refused attempt does not extend the lockout, and a successful login clears
//     the count.
//
// A zero MaxFailures (or MaxFailuresPerIP) turns that count off.
type LoginGuardConfig struct {
	MaxFailures      int
	MaxFailuresPerIP int
	Window           time.Duration
	LockoutBase      time.Duration
	LockoutMax       time.Duration
	// SharedTimeout bounds each call to the shared (Redis) counter before the
	// count falls back to this instance; default 250ms.
	SharedTimeout time.Duration
}

// FailurePolicy is how one failure counter judges attempts.
type FailurePolicy struct {
	Max    int           // failures before lockouts begin
	Window time.Duration // failures lapse this long after the latest one, or after its lockout ends
	Base   time.Duration // lockout after the Max-th failure
	Cap    time.Duration // longest lockout
}

// Delay is how long a key holding n failures is locked out after the latest one.
func (p FailurePolicy) Delay(n int) time.Duration {
	if n < p.Max {
		return 0
	}
	d := p.Base
	for i := p.Max; i < n && d < p.Cap; i++ {
		d *= 2
	}
	return min(d, p.Cap)
}

// FailureCounter counts failed logins per key (Redis in production: internal/relay;
// without it, this instance's memory). Each method is atomic per key.
type FailureCounter interface {
	// Begin counts an attempt under key, as a failure until Forgive or Reset, unless
	// the key is locked out: then it counts nothing and returns how much longer the
	// lockout lasts.
	Begin(ctx context.Context, key string, now time.Time, p FailurePolicy) (locked time.Duration, err error)
	// Forgive takes back one attempt Begin counted: it was no failure.
	Forgive(ctx context.Context, key string) error
	// Reset forgets key's failures.
	Reset(ctx context.Context, key string) error
}

// errTooManyFailures is the one answer to a locked-out login, for an account that
// exists or not, whichever count (account or client IP) is exhausted.
func errTooManyFailures(retry time.Duration) error {
	return &Error{Code: CodeRateLimited, RetryAfter: retry,
		Message: "too many failed login attempts: wait before trying again (see Retry-After)"}
}

// loginGuard admits login attempts against the failure counts. Counts are kept in
// shared when set; when it fails, in local, with one warning per outage, so a Redis
// outage never fails logins (it only makes the counts per instance meanwhile).
type loginGuard struct {
	account, ip FailurePolicy
	shared      FailureCounter
	local       *memFailures
	log         *slog.Logger
	metrics     Metrics
	timeout     time.Duration // per call to the shared counter
	outage      atomic.Bool
	retryShared atomic.Int64 // during an outage, when (Unix ns) to try the shared counter again
}

// sharedRetry is how often, during an outage, one login tries the shared counter
// again; the others meanwhile count locally at once instead of each waiting out
// relayTimeout.
const sharedRetry = time.Second

func newLoginGuard(cfg LoginGuardConfig, shared FailureCounter, log *slog.Logger, m Metrics) *loginGuard {
	policy := func(max int) FailurePolicy {
		return FailurePolicy{Max: max, Window: cfg.Window, Base: cfg.LockoutBase, Cap: cfg.LockoutMax}
	}
	return &loginGuard{account: policy(cfg.MaxFailures), ip: policy(cfg.MaxFailuresPerIP), shared: shared,
		local: newMemFailures(maxLocalFailureKeys), log: log, metrics: orNop(m), timeout: cmp.Or(cfg.SharedTimeout, relayTimeout)}
}

// counted is one attempt counted under a key, in the counter that counted it.
type counted struct {
	counter FailureCounter
	key     string
}

// attempt is a login admitted by the guard, counted as a failure until settled.
type attempt struct {
	g           *loginGuard
	account, ip *counted
}

// admit counts the attempt under the client IP, then the account, or refuses it
// (429) if either is locked out; a refused attempt counts under neither.
func (g *loginGuard) admit(ctx context.Context, emailKey, clientIP string, now time.Time) (*attempt, error) {
	a := &attempt{g: g}
	var err error
	if clientIP != "" && g.ip.Max > 0 {
		if a.ip, err = g.begin(ctx, "ip:"+clientIP, now, g.ip); err != nil {
			return nil, err
		}
	}
	if g.account.Max > 0 {
		if a.account, err = g.begin(ctx, accountKey(emailKey), now, g.account); err != nil {
			a.forgive(ctx, a.ip)
			return nil, err
		}
	}
	return a, nil
}

// accountKey names an account's count by a digest of its email key: bounded in
// size whatever a client sends, and no addresses in Redis.
func accountKey(emailKey string) string {
	sum := sha256.Sum256([]byte(emailKey))
	return "account:" + hex.EncodeToString(sum[:16])
}

// begin counts one attempt under key, in the shared counter if it answers.
func (g *loginGuard) begin(ctx context.Context, key string, now time.Time, p FailurePolicy) (*counted, error) {
	c := g.counter(ctx, func(ctx context.Context, fc FailureCounter) error {
		locked, err := fc.Begin(ctx, key, now, p)
		if err == nil && locked > 0 {
			return errTooManyFailures(locked)
		}
		return err
	})
	if c.err != nil {
		return nil, c.err
	}
	return &counted{counter: c.used, key: key}, nil
}

type counterResult struct {
	used FailureCounter
	err  error // nil or a domain error
}

// counter runs op on the shared counter, falling back to the local one when the
// shared one fails (a domain error, such as a lockout, is its answer, not a failure).
func (g *loginGuard) counter(ctx context.Context, op func(context.Context, FailureCounter) error) counterResult {
	if g.shared != nil && g.tryShared() {
		err := within(ctx, g.timeout, func(ctx context.Context) error { return op(ctx, g.shared) })
		if ctx.Err() != nil {
			return counterResult{err: ctx.Err()} // the client left: no verdict on Redis
		}
		if err == nil || ErrorCode(err) != CodeInternal {
			if g.outage.CompareAndSwap(true, false) {
				g.log.InfoContext(ctx, "shared login failure counts reachable again")
			}
			return counterResult{used: g.shared, err: err}
		}
		g.metrics.RelayFailed("login_count")
		g.retryShared.Store(time.Now().Add(sharedRetry).UnixNano())
		if g.outage.CompareAndSwap(false, true) {
			g.log.WarnContext(ctx, "shared login failure counts unavailable; counting on this instance until they answer", "err", err)
		}
	}
	return counterResult{used: g.local, err: op(ctx, g.local)}
}

// tryShared reports whether to use the shared counter: always, except during an
// outage, where one caller per sharedRetry probes it. Real time, not the service's
// clock: it paces network retries.
func (g *loginGuard) tryShared() bool {
	if !g.outage.Load() {
		return true
	}
	at := g.retryShared.Load()
	now := time.Now().UnixNano()
	return now >= at && g.retryShared.CompareAndSwap(at, now+int64(sharedRetry))
}

// settle records the outcome of an admitted attempt: a success clears the
// account's count and takes the attempt back from the client IP's; bad credentials
// stay counted. Any other outcome (hashing saturated, a database error) was no
// guess, and is taken back from both: a real user refused with 503 during a flood
// from many addresses must not also lock out its own address (a flooding client's
// count still grows with every attempt that was hashed and failed).
func (a *attempt) settle(ctx context.Context, err error) {
	switch {
	case err == nil:
		if a.account != nil {
			a.g.run(ctx, a.account, func(ctx context.Context, c *counted) error { return c.counter.Reset(ctx, c.key) })
		}
		a.forgive(ctx, a.ip)
	case errors.Is(err, ErrBadCredentials):
	default:
		a.forgive(ctx, a.account)
		a.forgive(ctx, a.ip)
	}
}

func (a *attempt) forgive(ctx context.Context, c *counted) {
	if c != nil {
		a.g.run(ctx, c, func(ctx context.Context, c *counted) error { return c.counter.Forgive(ctx, c.key) })
	}
}

// run applies op to the counter that counted c. A failure only leaves a count a
// little high until it lapses, so it is logged, not returned.
func (g *loginGuard) run(ctx context.Context, c *counted, op func(context.Context, *counted) error) {
	ctx = context.WithoutCancel(ctx)
	if err := within(ctx, g.timeout, func(ctx context.Context) error { return op(ctx, c) }); err != nil {
		g.log.WarnContext(ctx, "updating a login failure count failed; it lapses by itself", "err", err)
	}
}

// within runs op with a deadline d from now and returns by then even if op does
// not: go-redis, dialling a Redis that went away, can take seconds past its
// context's deadline, and a login must not wait for it. op finishes in the
// background; its late outcome is dropped.
func within(ctx context.Context, d time.Duration, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- op(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("shared login failure counts: %w", ctx.Err())
	}
}

// maxLocalFailureKeys bounds the memory of the per-instance counts: about 100 bytes
// each, so 10 MB at most.
const maxLocalFailureKeys = 100_000

// memFailures is a FailureCounter in this instance's memory, bounded: when full, it
// drops the one of a few sampled that lapses soonest (a flood of fresh keys can
// evict a count early, but the per-IP count limits how many keys one client creates).
type memFailures struct {
	mu      sync.Mutex
	entries map[string]*failureEntry
	limit   int
}

type failureEntry struct {
	n       int
	last    time.Time // the latest failure
	expires time.Time // when the count lapses
}

func newMemFailures(limit int) *memFailures {
	return &memFailures{entries: map[string]*failureEntry{}, limit: limit}
}

// Begin implements FailureCounter.
func (m *memFailures) Begin(_ context.Context, key string, now time.Time, p FailurePolicy) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e != nil && !now.Before(e.expires) {
		delete(m.entries, key)
		e = nil
	}
	if e == nil {
		m.makeRoom()
		e = &failureEntry{}
		m.entries[key] = e
	}
	if until := e.last.Add(p.Delay(e.n)); e.n >= p.Max && now.Before(until) {
		return until.Sub(now), nil
	}
	e.n++
	e.last = now
	e.expires = now.Add(p.Delay(e.n) + p.Window)
	return 0, nil
}

// Forgive implements FailureCounter.
func (m *memFailures) Forgive(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil {
		if e.n--; e.n <= 0 {
			delete(m.entries, key)
		}
	}
	return nil
}

// Reset implements FailureCounter.
func (m *memFailures) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

// makeRoom frees an entry when the map is full: of a few sampled (map order is
// random), the one that lapses soonest, lapsed ones first. The caller holds mu.
func (m *memFailures) makeRoom() {
	if len(m.entries) < m.limit {
		return
	}
	var victim string
	var soonest time.Time
	sampled := 0
	for k, e := range m.entries {
		if victim == "" || e.expires.Before(soonest) {
			victim, soonest = k, e.expires
		}
		if sampled++; sampled == 8 {
			break
		}
	}
	delete(m.entries, victim)
}
