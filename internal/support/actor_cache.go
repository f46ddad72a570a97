package support

import (
	"sync"
	"time"
)

// actorCacheSize bounds the cache: about 100 bytes an entry, so a few MiB at most.
const actorCacheSize = 50_000

// actorCache remembers, for ttl, the role of users whose tokens were verified, so that
// authenticating a request does not cost a database round trip every time. The price
// is that a user deleted or re-roled outside this process is seen within ttl rather
// than at once. A zero ttl disables the cache.
//
// A map with expiry times is all this needs; the LRU libraries considered run a
// background ticker per cache for expiry, which this lazy check avoids.
type actorCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.RWMutex
	entries map[string]cachedActor
}

type cachedActor struct {
	role    Role
	version int // the user's token version when looked up
	expires time.Time
}

func newActorCache(ttl time.Duration, now func() time.Time) *actorCache {
	return &actorCache{ttl: ttl, now: now, entries: make(map[string]cachedActor)}
}

// get returns what was cached of userID, if it is still fresh.
func (c *actorCache) get(userID string) (cachedActor, bool) {
	if c.ttl <= 0 {
		return cachedActor{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[userID]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.expires) {
		return cachedActor{}, false
	}
	return e, true
}

// drop forgets userID: its account just changed on this instance.
func (c *actorCache) drop(userID string) {
	c.mu.Lock()
	delete(c.entries, userID)
	c.mu.Unlock()
}

// put caches userID's role and token version for ttl. Only active users are put.
func (c *actorCache) put(userID string, role Role, version int) {
	if c.ttl <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= actorCacheSize {
		c.dropExpired(now)
	}
	if len(c.entries) >= actorCacheSize {
		clear(c.entries) // every entry is fresh: a flood of distinct users; start over
	}
	c.entries[userID] = cachedActor{role: role, version: version, expires: now.Add(c.ttl)}
}

func (c *actorCache) dropExpired(now time.Time) {
	for id, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, id)
		}
	}
}
