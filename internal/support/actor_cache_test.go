package support

import (
	"fmt"
	"testing"
	"time"
)

func TestActorCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newActorCache(time.Second, func() time.Time { return now })

	if _, ok := c.get("u1"); ok {
		t.Fatal("empty cache returned an entry")
	}
	c.put("u1", RoleAgent)
	if role, ok := c.get("u1"); !ok || role != RoleAgent {
		t.Fatalf("get = %q, %v; want agent, true", role, ok)
	}
	now = now.Add(999 * time.Millisecond)
	if _, ok := c.get("u1"); !ok {
		t.Fatal("entry expired before its TTL")
	}
	now = now.Add(time.Millisecond)
	if _, ok := c.get("u1"); ok {
		t.Fatal("entry still served at its TTL")
	}
}

func TestActorCacheDisabled(t *testing.T) {
	c := newActorCache(0, time.Now)
	c.put("u1", RoleCustomer)
	if _, ok := c.get("u1"); ok {
		t.Fatal("a zero TTL cache served an entry")
	}
}

func TestActorCacheBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newActorCache(time.Minute, func() time.Time { return now })
	for i := range actorCacheSize {
		c.put(fmt.Sprint("old", i), RoleCustomer)
	}
	now = now.Add(2 * time.Minute) // all expired: dropped to make room
	c.put("new", RoleAdmin)
	if n := len(c.entries); n != 1 {
		t.Fatalf("%d entries after expiry sweep, want 1", n)
	}
	for i := range actorCacheSize { // all fresh: the cache starts over rather than grow
		c.put(fmt.Sprint("fresh", i), RoleCustomer)
	}
	if n := len(c.entries); n > actorCacheSize {
		t.Fatalf("%d entries, bound is %d", n, actorCacheSize)
	}
	if _, ok := c.get(fmt.Sprint("fresh", actorCacheSize-1)); !ok {
		t.Fatal("the newest entry was dropped")
	}
}
