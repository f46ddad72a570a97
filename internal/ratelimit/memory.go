package ratelimit

import (
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// shards spreads the in-memory buckets over independent locks, so concurrent
// requests for different keys rarely wait for one another.
const shards = 32

// sweepEvery is how often a shard drops its idle buckets.
const sweepEvery = time.Minute

// memory keeps one token bucket (golang.org/x/time/rate) per key. A bucket left
// alone for its whole period is full again, exactly like a new one, so dropping it
// changes nothing: that is how idle keys are evicted. When a shard is still at its
// cap, an arbitrary bucket goes, which can only make its key's limit more lenient.
type memory struct {
	now     func() time.Time
	perCap  int // buckets per shard at most
	seed    maphash.Seed
	buckets [shards]shard
}

type shard struct {
	mu        sync.Mutex
	m         map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	lim   *rate.Limiter
	limit Limit
	last  time.Time // last request; guarded by the shard's mutex
}

func newMemory(now func() time.Time, maxKeys int) *memory {
	m := &memory{now: now, perCap: max(1, maxKeys/shards), seed: maphash.MakeSeed()}
	for i := range m.buckets {
		m.buckets[i].m = make(map[string]*bucket)
	}
	return m
}

// allow takes one request from key's bucket under l.
func (m *memory) allow(key string, l Limit) Result {
	now := m.now()
	sh := &m.buckets[maphash.String(m.seed, key)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.get(key, l, now, m.perCap)
	b.last = now
	ok := b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	interval := l.Period.Seconds() / float64(l.Count) // seconds per token
	res := Result{Allowed: ok, Remaining: int(math.Floor(tokens + 1e-9)),
		ResetAfter: seconds((float64(l.Count) - tokens) * interval)}
	if !ok {
		res.Remaining = 0
		res.RetryAfter = seconds((1 - tokens) * interval)
	}
	return res
}

// get returns key's bucket, creating it (and making room) when needed.
func (sh *shard) get(key string, l Limit, now time.Time, perCap int) *bucket {
	if !now.Before(sh.nextSweep) {
		sh.sweep(now)
	}
	if b := sh.m[key]; b != nil && b.limit == l {
		return b
	}
	if len(sh.m) >= perCap {
		sh.sweep(now)
		for k := range sh.m { // still full: drop any one
			if len(sh.m) < perCap {
				break
			}
			delete(sh.m, k)
		}
	}
	b := &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.Count)/l.Period.Seconds()), l.Count), limit: l}
	sh.m[key] = b
	return b
}

// sweep drops the buckets idle for their whole period: they are full again.
func (sh *shard) sweep(now time.Time) {
	for k, b := range sh.m {
		if now.Sub(b.last) >= b.limit.Period {
			delete(sh.m, k)
		}
	}
	sh.nextSweep = now.Add(sweepEvery)
}

// keys counts the buckets held.
func (m *memory) keys() int {
	n := 0
	for i := range m.buckets {
		sh := &m.buckets[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}
