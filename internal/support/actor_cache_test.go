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
	c.put("u1", RoleAgent, 0)
	if e, ok := c.get("u1"); !ok || e.role != RoleAgent {
		t.Fatalf("get = %q, %v; want agent, true", e.role, ok)
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
	c.put("u1", RoleCustomer, 0)
	if _, ok := c.get("u1"); ok {
		t.Fatal("a zero TTL cache served an entry")
	}
}

func TestActorCacheBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newActorCache(time.Minute, func() time.Time { return now })
	for i := range actorCacheSize {
		c.put(fmt.Sprint("old", i), RoleCustomer, 0)
	}
	now = now.Add(2 * time.Minute) // all expired: dropped to make room
	c.put("new", RoleAdmin, 0)
	if n := len(c.entries); n != 1 {
		t.Fatalf("%d entries after expiry sweep, want 1", n)
	}
	for i := range actorCacheSize { // all fresh: the cache starts over rather than grow
		c.put(fmt.Sprint("fresh", i), RoleCustomer, 0)
	}
	if n := len(c.entries); n > actorCacheSize {
		t.Fatalf("%d entries, bound is %d", n, actorCacheSize)
	}
	if _, ok := c.get(fmt.Sprint("fresh", actorCacheSize-1)); !ok {
		t.Fatal("the newest entry was dropped")
	}
}

// drop forgets a user at once, and the token version is kept with the role.
func TestActorCacheDropAndVersion(t *testing.T) {
	now := time.Now()
	c := newActorCache(time.Minute, func() time.Time { return now })
	c.put("u1", RoleAgent, 7)
	if e, ok := c.get("u1"); !ok || e.version != 7 {
		t.Fatalf("get: %+v %v", e, ok)
	}
	c.drop("u1")
	if _, ok := c.get("u1"); ok {
		t.Fatal("dropped entry still cached")
	}
}
