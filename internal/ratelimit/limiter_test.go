package ratelimit

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/supportd/supportd/internal/relay/relaytest"
)

// clock is a settable clock for the in-memory engine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// redisClient connects to TEST_REDIS_URL (skipping without it, failing under CI=true).
func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testPrefix keeps each test's Redis keys apart from every other run's.
func testPrefix() string { return "supportd:rltest:" + rand.Text() + ":" }

// forEachEngine runs f with a memory Limiter and, with TEST_REDIS_URL, a Redis one.
// The memory clock stands still, as Redis's practically does for limits of minutes.
func forEachEngine(t *testing.T, f func(t *testing.T, l *Limiter)) {
	t.Run("memory", func(t *testing.T) { f(t, New(Options{Now: newClock().Now})) })
	t.Run("redis", func(t *testing.T) {
		rdb := redisClient(t, relaytest.URL(t))
		f(t, New(Options{Redis: rdb, Prefix: testPrefix(), Now: newClock().Now}))
	})
}

func allow(t *testing.T, l *Limiter, key string, lim Limit) Result {
	t.Helper()
	r, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExactAllowanceThenRefusal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, l *Limiter) {
		lim := Limit{Name: "user", Count: 5, Period: time.Hour} // one request per 12 minutes
		for i := 1; i <= 5; i++ {
			r := allow(t, l, "alice", lim)
			if !r.Allowed || r.Remaining != 5-i {
				t.Fatalf("request %d: %+v, want allowed with %d remaining", i, r, 5-i)
			}
			// The quota is whole again i emission intervals from now.
			if want := time.Duration(i) * 12 * time.Minute; r.ResetAfter > want || r.ResetAfter < want-time.Second {
				t.Fatalf("request %d: reset after %s, want about %s", i, r.ResetAfter, want)
			}
			if r.RetryAfter != 0 {
				t.Fatalf("request %d: retry after %s on an allowed request", i, r.RetryAfter)
			}
		}
		for range 3 {
			r := allow(t, l, "alice", lim)
			if r.Allowed || r.Remaining != 0 {
				t.Fatalf("request past the quota: %+v", r)
			}
			if r.RetryAfter > 12*time.Minute || r.RetryAfter < 12*time.Minute-time.Second {
				t.Fatalf("retry after %s, want about 12m", r.RetryAfter)
			}
			if r.ResetAfter > time.Hour || r.ResetAfter < time.Hour-time.Second {
				t.Fatalf("reset after %s, want about 1h", r.ResetAfter)
			}
		}
		if r := allow(t, l, "bob", lim); !r.Allowed || r.Remaining != 4 {
			t.Fatalf("another key shares alice's quota: %+v", r)
		}
		other := Limit{Name: "write", Count: 2, Period: time.Hour}
		if r := allow(t, l, "alice", other); !r.Allowed || r.Remaining != 1 {
			t.Fatalf("another policy shares alice's quota: %+v", r)
		}
	})
}

func TestOffAllowsEverything(t *testing.T) {
	forEachEngine(t, func(t *testing.T, l *Limiter) {
		for range 100 {
			if r := allow(t, l, "k", Limit{Name: "user"}); !r.Allowed {
				t.Fatalf("off limit refused: %+v", r)
			}
		}
		if l.LocalKeys() != 0 {
			t.Errorf("an off limit keeps %d buckets", l.LocalKeys())
		}
	})
}

func TestConcurrentRequestsTakeExactlyTheQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, l *Limiter) {
		lim := Limit{Name: "ip", Count: 40, Period: time.Hour}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if r, err := l.Allow(context.Background(), "10.0.0.1", lim); err == nil && r.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 40 {
			t.Fatalf("%d of 100 concurrent requests allowed, want 40", allowed.Load())
		}
	})
}

func TestCanceledRequestIsNotLimited(t *testing.T) {
	rdb := redisClient(t, relaytest.URL(t))
	l := New(Options{Redis: rdb, Prefix: testPrefix()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Allow(ctx, "k", Limit{Name: "user", Count: 1, Period: time.Minute}); err == nil {
		t.Fatal("no error for a canceled request")
	}
	if l.Fallbacks() != 0 {
		t.Fatalf("a client leaving counted as a Redis failure: %d", l.Fallbacks())
	}
}

func TestTwoLimitersSharingRedisAdmitTheQuotaOnce(t *testing.T) {
	url, prefix := relaytest.URL(t), testPrefix()
	a := New(Options{Redis: redisClient(t, url), Prefix: prefix})
	b := New(Options{Redis: redisClient(t, url), Prefix: prefix})
	lim := Limit{Name: "signup", Count: 7, Period: time.Hour}
	allowed := 0
	for i := range 20 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if allow(t, l, "192.0.2.1", lim).Allowed {
			allowed++
		}
	}
	if allowed != 7 {
		t.Fatalf("two instances admitted %d, want 7 in total", allowed)
	}
	if a.Fallbacks()+b.Fallbacks() != 0 {
		t.Fatalf("fallbacks with a healthy Redis: %d %d", a.Fallbacks(), b.Fallbacks())
	}
}

func TestRedisKeysAreNamespaced(t *testing.T) {
	rdb := redisClient(t, relaytest.URL(t))
	prefix := testPrefix()
	allow(t, New(Options{Redis: rdb, Prefix: prefix}), "carol", Limit{Name: "user", Count: 3, Period: time.Minute})
	key := "rate:" + prefix + "user:carol"
	ttl, err := rdb.TTL(context.Background(), key).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("key %s: ttl %s, %v; want it to expire within the period", key, ttl, err)
	}
	if def := New(Options{Redis: rdb}); def.shared.prefix != DefaultPrefix {
		t.Fatalf("default prefix %q", def.shared.prefix)
	}
}

func ExampleLimiter() {
	l := New(Options{})
	lim := Limit{Name: "login", Count: 2, Period: time.Minute}
	for range 3 {
		r, _ := l.Allow(context.Background(), "203.0.113.9", lim)
		fmt.Println(r.Allowed, r.Remaining)
	}
	// Output:
	// true 1
	// true 0
	// false 0
}
