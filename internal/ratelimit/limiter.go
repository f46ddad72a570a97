package ratelimit

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix namespaces the limiter's Redis keys (redis_rate adds its own "rate:"
// in front, so keys read rate:supportd:rl:<policy>:<key>).
const DefaultPrefix = "supportd:rl:"

// Options configure a Limiter; the zero value limits in memory with the real clock.
type Options struct {
	Redis      *redis.Client    // nil: limits hold per instance
	Prefix     string           // Redis key prefix; default DefaultPrefix
	Now        func() time.Time // the in-memory engine's clock; default time.Now
	Log        *slog.Logger     // default: discard
	MaxKeys    int              // in-memory buckets held at most; default 100,000
	ProbeEvery time.Duration    // while Redis fails, how often it is tried again; default 1s
	// Timeout bounds what one request waits for Redis before it is limited
	// locally instead; default 250ms.
	Timeout time.Duration
}

// Limiter decides whether a key may make one more request under a Limit.
type Limiter struct {
	local  *memory
	shared *shared // nil without Redis
}

// New returns a Limiter: shared through Redis when o.Redis is set, else in memory.
func New(o Options) *Limiter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100_000 // a few hundred bytes each: tens of MB at worst
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultRedisTimeout
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = time.Second
	}
	l := &Limiter{local: newMemory(o.Now, o.MaxKeys)}
	if o.Redis != nil {
		l.shared = newShared(o.Redis, o.Prefix, l.local, o.Log, o.ProbeEvery, o.Timeout)
	}
	return l
}

// Allow takes one request from key's quota under limit (keys are per policy: the
// same key under two policies has two quotas). An off limit allows everything. The
// error is only ever ctx's: a failing Redis falls back to the local limit.
func (l *Limiter) Allow(ctx context.Context, key string, limit Limit) (Result, error) {
	if limit.Off() {
		return Result{Allowed: true}, nil
	}
	key = limit.Name + ":" + key
	if l.shared != nil {
		return l.shared.allow(ctx, key, limit)
	}
	return l.local.allow(key, limit), nil
}

// Fallbacks counts the requests limited locally because Redis failed.
func (l *Limiter) Fallbacks() uint64 {
	if l.shared == nil {
		return 0
	}
	return l.shared.fallbacks.Load()
}

// Shared reports whether the limits hold across instances (Redis configured).
func (l *Limiter) Shared() bool { return l.shared != nil }

// LocalKeys counts the in-memory buckets held (the fallback's, with Redis).
func (l *Limiter) LocalKeys() int { return l.local.keys() }
