package relay_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/relay"
	"github.com/supportd/supportd/internal/relay/relaytest"
)

func TestSlots(t *testing.T) {
	rdb, err := relay.Dial(t.Context(), relaytest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	s := relay.NewSlots(rdb)
	ctx, user := t.Context(), uuid.NewString()
	now := time.Now()
	later := now.Add(time.Minute)

	take := func(stream string, at, expires time.Time) bool {
		t.Helper()
		ok, err := s.Acquire(ctx, user, stream, 2, at, expires)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take("a", now, later) || !take("b", now, later) {
		t.Fatal("the first two slots were refused")
	}
	if take("c", now, later) {
		t.Fatal("a third slot was granted with a limit of 2")
	}
	if err := s.Release(ctx, user, "a"); err != nil {
		t.Fatal(err)
	}
	if !take("c", now, later) {
		t.Fatal("a released slot was not freed")
	}
	// Slots lapse: at a time past their expiry they no longer count.
	if !take("d", later.Add(time.Second), later.Add(2*time.Minute)) {
		t.Fatal("lapsed slots still counted")
	}
	if other := uuid.NewString(); !func() bool {
		ok, err := s.Acquire(ctx, other, "x", 2, now, later)
		return err == nil && ok
	}() {
		t.Fatal("another user's slots were counted")
	}
	if ttl, err := rdb.PTTL(ctx, "supportd:streams:"+user).Result(); err != nil || ttl <= 0 {
		t.Fatalf("the user's set has no expiry: %v, %v", ttl, err)
	}
}
