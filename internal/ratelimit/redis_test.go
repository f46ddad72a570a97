package ratelimit

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/ratelimit/ratelimittest"
	"github.com/supportd/supportd/internal/relay/relaytest"
)

const (
	outageLine   = "rate limiter: Redis fails"
	recoveryLine = "rate limiter: Redis answers again"
)

func TestUnreachableRedisFallsBackToLocalLimits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	var logs logtest.Buffer
	l := New(Options{Redis: rdb, Now: newClock().Now, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	lim := Limit{Name: "login", Count: 3, Period: time.Minute}
	for i := range 3 {
		if r := allow(t, l, "198.51.100.7", lim); !r.Allowed || r.Remaining != 2-i {
			t.Fatalf("request %d with Redis down: %+v, want the local limit's answer", i+1, r)
		}
	}
	if r := allow(t, l, "198.51.100.7", lim); r.Allowed || r.RetryAfter != 20*time.Second {
		t.Fatalf("past the local limit: %+v", r)
	}
	if l.Fallbacks() != 4 {
		t.Fatalf("fallbacks %d, want 4", l.Fallbacks())
	}
	if n := logs.Count(outageLine); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestRedisCutMidwayFallsBackAndRecovers(t *testing.T) {
	url := relaytest.URL(t)
	proxy := ratelimittest.NewProxy(t, url)
	rdb := redisClient(t, proxy.URL(url))
	var logs logtest.Buffer
	l := New(Options{Redis: rdb, Prefix: testPrefix(), Now: newClock().Now, ProbeEvery: time.Nanosecond,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	lim := Limit{Name: "user", Count: 5, Period: time.Hour}
	for i := range 2 {
		if r := allow(t, l, "dave", lim); !r.Allowed || r.Remaining != 4-i {
			t.Fatalf("request %d through Redis: %+v", i+1, r)
		}
	}

	proxy.Cut()
	for i := range 5 { // the local quota is untouched so far
		if r := allow(t, l, "dave", lim); !r.Allowed || r.Remaining != 4-i {
			t.Fatalf("request %d after the cut: %+v, want the local limit's answer", i+1, r)
		}
	}
	if r := allow(t, l, "dave", lim); r.Allowed {
		t.Fatalf("local limit not enforced during the outage: %+v", r)
	}
	if l.Fallbacks() != 6 || logs.Count(outageLine) != 1 {
		t.Fatalf("fallbacks %d, outage logged %d times; want 6 and once", l.Fallbacks(), logs.Count(outageLine))
	}

	proxy.Restore()
	var r Result
	for range 20 { // the client may need a request or two to drop its dead connections
		if r = allow(t, l, "dave", lim); r.Allowed {
			break
		}
	}
	if !r.Allowed || r.Remaining != 2 {
		t.Fatalf("after Redis came back: %+v, want Redis's count (2 remaining)", r)
	}
	before := l.Fallbacks()
	if r := allow(t, l, "dave", lim); !r.Allowed || r.Remaining != 1 || l.Fallbacks() != before {
		t.Fatalf("still falling back after recovery: %+v, fallbacks %d -> %d", r, before, l.Fallbacks())
	}
	if logs.Count(recoveryLine) != 1 || logs.Count(outageLine) != 1 {
		t.Fatalf("want one outage and one recovery line:\n%s", logs.String())
	}
}

func TestOutageProbesRedisAtMostOncePerPeriod(t *testing.T) {
	url := relaytest.URL(t)
	proxy := ratelimittest.NewProxy(t, url)
	rdb := redisClient(t, proxy.URL(url))
	l := New(Options{Redis: rdb, Prefix: testPrefix(), ProbeEvery: time.Hour})
	lim := Limit{Name: "user", Count: 100, Period: time.Hour}
	allow(t, l, "erin", lim)
	proxy.Cut()
	allow(t, l, "erin", lim) // fails over, and Redis is not tried again for an hour
	proxy.Restore()
	for range 10 {
		allow(t, l, "erin", lim)
	}
	if l.Fallbacks() != 11 {
		t.Fatalf("fallbacks %d, want 11: Redis must not be retried before the probe period", l.Fallbacks())
	}
}
