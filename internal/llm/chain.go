package llm

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ChainOptions configures a Chain. Zero fields take the documented defaults.
type ChainOptions struct {
	// MaxAttempts is the number of tries per provider before moving on (default 3).
	MaxAttempts int
	// BaseDelay and MaxDelay bound exponential backoff with full jitter:
	// before retry n the chain sleeps a uniform random time in
	// [0, min(MaxDelay, BaseDelay·2^(n-1))). Defaults 250ms and 4s.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest upstream retry-after the chain waits for;
	// a longer one sends the request to the next provider (default 10s).
	MaxRetryAfter time.Duration
	// BreakerFailures is the number of consecutive failed attempts that
	// open a provider's circuit breaker (default 5). While open, the
	// provider is skipped without a call.
	BreakerFailures int
	// BreakerCooldown is how long a breaker stays open before letting one
	// trial request through (default 30s).
	BreakerCooldown time.Duration
	// Sleep waits for d or until ctx is done (default: a timer). Tests
	// inject a fake to record delays without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a uniform random duration in [0, n) (default
	// math/rand/v2). Tests inject a deterministic one.
	Jitter func(n time.Duration) time.Duration
	// Logger receives a warning for each failed attempt (default: discard).
	Logger *slog.Logger
	// Observer counts retries and fallbacks, for monitoring (default: none).
	Observer ChainObserver
	// Tracer records a span for each attempt at a provider (default: none).
	Tracer trace.Tracer
}

// ChainObserver is told of each retry and fallback (internal/metrics).
type ChainObserver interface {
	AIRetried(provider string)
	AIFellBack(provider string)
}

type nopObserver struct{}

func (nopObserver) AIRetried(string)  {}
func (nopObserver) AIFellBack(string) {}

func (o ChainOptions) withDefaults() ChainOptions {
	o.MaxAttempts = orDefault(o.MaxAttempts, 3)
	o.BaseDelay = orDefault(o.BaseDelay, 250*time.Millisecond)
	o.MaxDelay = orDefault(o.MaxDelay, 4*time.Second)
	o.MaxRetryAfter = orDefault(o.MaxRetryAfter, 10*time.Second)
	o.BreakerFailures = orDefault(o.BreakerFailures, 5)
	o.BreakerCooldown = orDefault(o.BreakerCooldown, 30*time.Second)
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Jitter == nil {
		o.Jitter = uniformJitter
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Tracer == nil {
		o.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return o
}

func uniformJitter(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return rand.N(n)
}

// Chain tries providers in order, with retries before the first token, a
// circuit breaker per provider and fallback to the next provider. Once a
// provider has emitted a delta the chain never falls back: the error is
// returned wrapped with ErrInterrupted. The last link is normally a Builtin.
type Chain struct {
	links []link
	opts  ChainOptions
}

type link struct {
	p  Provider
	cb *gobreaker.TwoStepCircuitBreaker[Result]
}

var _ Provider = (*Chain)(nil)

// NewChain returns a Chain over providers, tried in the given order.
func NewChain(providers []Provider, opts ChainOptions) *Chain {
	opts = opts.withDefaults()
	c := &Chain{opts: opts}
	for _, p := range providers {
		c.links = append(c.links, link{p: p, cb: newBreaker(p.Name(), opts)})
	}
	return c
}

// errNotProviderFault is reported to a breaker for outcomes that say
// nothing about the provider's health; the breaker ignores it.
var errNotProviderFault = errors.New("not the provider's fault")

func newBreaker(name string, opts ChainOptions) *gobreaker.TwoStepCircuitBreaker[Result] {
	return gobreaker.NewTwoStepCircuitBreaker[Result](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     opts.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(opts.BreakerFailures)
		},
		IsExcluded: func(err error) bool { return err == errNotProviderFault },
	})
}

// breakerOutcome maps a provider's result to what its breaker records.
// Failures caused by our caller (its context ended, its emit failed) are
// ignored. Failures caused by the request (400, 413, 422: bad or oversized
// input) count as successes: the provider answered. The caller's context
// is checked rather than context errors, because a dial timeout also
// matches context.DeadlineExceeded and must open the breaker.
func breakerOutcome(ctx context.Context, err error) error {
	var ee *emitError
	var ue *UpstreamError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil || errors.As(err, &ee):
		return errNotProviderFault
	case errors.As(err, &ue) && (ue.Status == 400 || ue.Status == 413 || ue.Status == 422):
		return nil
	}
	return err
}

// Name returns "chain"; Result.Provider names the provider that answered.
func (c *Chain) Name() string { return "chain" }

// BreakerState returns "closed", "open" or "half-open" for the named
// provider's breaker, or "" if the chain has no such provider.
func (c *Chain) BreakerState(provider string) string {
	for _, l := range c.links {
		if l.p.Name() == provider {
			return l.cb.State().String()
		}
	}
	return ""
}
