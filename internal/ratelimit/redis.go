package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// shared runs GCRA in Redis (redis_rate: one Lua script, one round trip per
// request, Redis's clock), so every instance draws from the same quota. While Redis
// fails, requests are limited by the in-memory engine of this instance instead,
// never refused for the failure: the outage is logged once when it starts and once
// when it ends, and every request answered locally is counted. During an outage
// Redis is tried again at most once per probeEvery, so requests do not each wait
// for a dead server.
type shared struct {
	lim        *redis_rate.Limiter
	prefix     string
	local      *memory
	log        *slog.Logger
	probeEvery time.Duration
	timeout    time.Duration // what one request waits for Redis

	down      atomic.Bool
	retryAt   atomic.Int64 // unix ns: while down, when Redis may be tried again
	fallbacks atomic.Uint64
}

// DefaultRedisTimeout bounds what one request waits for Redis: a Redis that
// hangs (rather than refusing connections) must not hold every request for
// go-redis's own read timeout and retries.
const DefaultRedisTimeout = 250 * time.Millisecond

func newShared(rdb *redis.Client, prefix string, local *memory, log *slog.Logger, probeEvery, timeout time.Duration) *shared {
	return &shared{lim: redis_rate.NewLimiter(rdb), prefix: prefix, local: local, log: log, probeEvery: probeEvery,
		timeout: timeout}
}

func (s *shared) allow(ctx context.Context, key string, l Limit) (Result, error) {
	if s.down.Load() && !s.mayProbe() {
		return s.fallback(key, l), nil
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := s.lim.Allow(rctx, s.prefix+key, redis_rate.Limit{Rate: l.Count, Burst: l.Count, Period: l.Period})
	if err != nil {
		if ctx.Err() != nil { // the client left: not Redis's fault
			return Result{}, fmt.Errorf("rate limit %s: %w", l.Name, ctx.Err())
		}
		s.failed(err)
		return s.fallback(key, l), nil
	}
	if s.down.Load() && s.down.CompareAndSwap(true, false) {
		s.log.Info("rate limiter: Redis answers again; limits are shared between instances again")
	}
	r := Result{Allowed: res.Allowed > 0, Remaining: res.Remaining, ResetAfter: max(res.ResetAfter, 0)}
	if !r.Allowed {
		r.RetryAfter = max(res.RetryAfter, 0)
	}
	return r, nil
}

// mayProbe lets one request at a time try Redis again once probeEvery has passed.
func (s *shared) mayProbe() bool {
	at, now := s.retryAt.Load(), time.Now().UnixNano()
	return now >= at && s.retryAt.CompareAndSwap(at, now+int64(s.probeEvery))
}

func (s *shared) failed(err error) {
	s.retryAt.Store(time.Now().UnixNano() + int64(s.probeEvery))
	if s.down.CompareAndSwap(false, true) {
		s.log.Warn("rate limiter: Redis fails; limiting per instance until it answers again", "err", err)
	}
}

func (s *shared) fallback(key string, l Limit) Result {
	s.fallbacks.Add(1)
	return s.local.allow(key, l)
}
