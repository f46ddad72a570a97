package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestMemoryRefillsWithTheClock(t *testing.T) {
	clk := newClock()
	l := New(Options{Now: clk.Now})
	lim := Limit{Name: "user", Count: 300, Period: time.Minute} // one request per 200ms
	for i := range 300 {
		if r := allow(t, l, "u", lim); !r.Allowed || r.Remaining != 299-i {
			t.Fatalf("request %d: %+v", i+1, r)
		}
	}
	r := allow(t, l, "u", lim)
	if r.Allowed || r.RetryAfter != 200*time.Millisecond || r.ResetAfter != time.Minute {
		t.Fatalf("past the quota: %+v; want refused, retry 200ms, reset 1m", r)
	}
	clk.Advance(199 * time.Millisecond)
	if r := allow(t, l, "u", lim); r.Allowed || r.RetryAfter != time.Millisecond {
		t.Fatalf("1ms early: %+v", r)
	}
	clk.Advance(time.Millisecond)
	if r := allow(t, l, "u", lim); !r.Allowed || r.Remaining != 0 || r.ResetAfter != time.Minute {
		t.Fatalf("one interval later: %+v; want one request allowed", r)
	}
	clk.Advance(30 * time.Second) // half the quota back
	for i := range 150 {
		if r := allow(t, l, "u", lim); !r.Allowed {
			t.Fatalf("request %d of the refilled half refused: %+v", i+1, r)
		}
	}
	if r := allow(t, l, "u", lim); r.Allowed {
		t.Fatalf("151st request of half a refill allowed: %+v", r)
	}
	clk.Advance(time.Hour) // long idle: the bucket holds the quota, no more
	for i := range 300 {
		if r := allow(t, l, "u", lim); !r.Allowed {
			t.Fatalf("request %d after an idle hour refused", i+1)
		}
	}
	if r := allow(t, l, "u", lim); r.Allowed {
		t.Fatal("idle time saved up more than the quota")
	}
}

func TestMemoryEvictsIdleKeys(t *testing.T) {
	clk := newClock()
	l := New(Options{Now: clk.Now})
	minute := Limit{Name: "ip", Count: 10, Period: time.Minute}
	hour := Limit{Name: "signup", Count: 10, Period: time.Hour}
	for i := range 1000 {
		allow(t, l, fmt.Sprintf("10.0.%d.%d", i/256, i%256), minute)
	}
	for range 3 {
		allow(t, l, "busy", hour)
	}
	if n := l.LocalKeys(); n != 1001 {
		t.Fatalf("%d keys held, want 1001", n)
	}
	clk.Advance(2 * time.Minute) // the minute buckets are full again; the hourly one is not
	for i := range shards * 8 {  // a request per shard or so triggers the sweeps
		allow(t, l, fmt.Sprintf("new-%d", i), minute)
	}
	if n := l.LocalKeys(); n > shards*8+1 {
		t.Fatalf("%d keys held after the idle ones lapsed, want at most %d", n, shards*8+1)
	}
	// The evicted keys behave as before (full), and the hourly bucket kept its state.
	if r := allow(t, l, "10.0.0.1", minute); !r.Allowed || r.Remaining != 9 {
		t.Fatalf("evicted key: %+v", r)
	}
	if r := allow(t, l, "busy", hour); !r.Allowed || r.Remaining != 6 {
		t.Fatalf("a bucket still refilling was evicted: %+v", r)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	l := New(Options{Now: newClock().Now, MaxKeys: shards * 4})
	lim := Limit{Name: "ip", Count: 10, Period: time.Hour}
	for i := range 10_000 {
		allow(t, l, fmt.Sprint("k", i), lim)
	}
	if n := l.LocalKeys(); n > shards*4 {
		t.Fatalf("%d keys held, cap %d", n, shards*4)
	}
}
