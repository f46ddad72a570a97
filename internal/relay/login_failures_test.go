package relay_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/relay"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/support"
)

// The Redis counts follow the same rules as the in-memory ones: Max attempts,
// then lockouts doubling up to Cap, refused attempts not counted, the count
// lapsing Window after the latest lockout, by the caller's clock.
func TestLoginFailures(t *testing.T) {
	rdb, err := relay.Dial(t.Context(), relaytest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	l := relay.NewLoginFailures(rdb, relay.DefaultLoginFailuresPrefix)
	ctx, key := t.Context(), "test:"+uuid.NewString()
	p := support.FailurePolicy{Max: 2, Window: time.Minute, Base: 10 * time.Second, Cap: 15 * time.Second}
	now := time.Now()
	begin := func(at time.Time) time.Duration {
		t.Helper()
		locked, err := l.Begin(ctx, key, at, p)
		if err != nil {
			t.Fatal(err)
		}
		return locked
	}
	if begin(now) != 0 || begin(now) != 0 {
		t.Fatal("refused before Max")
	}
	if got := begin(now.Add(4 * time.Second)); got != 6*time.Second {
		t.Fatalf("locked %v, want 6s", got)
	}
	if err := l.Forgive(ctx, key); err != nil {
		t.Fatal(err)
	}
	if begin(now) != 0 {
		t.Fatal("a forgiven attempt still counts")
	}
	now = now.Add(10 * time.Second)
	if begin(now) != 0 { // the 3rd failure: the lockout doubles, capped at 15s
		t.Fatal("refused after the lockout ended")
	}
	if got := begin(now); got != 15*time.Second {
		t.Fatalf("locked %v, want 15s (doubled, capped)", got)
	}
	if begin(now.Add(15*time.Second+time.Minute)) != 0 || begin(now.Add(15*time.Second+time.Minute)) != 0 {
		t.Fatal("the count did not lapse a window after the lockout")
	}
	if err := l.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, relay.DefaultLoginFailuresPrefix+key).Result(); n != 0 {
		t.Fatal("reset left the key")
	}
	if err := l.Forgive(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, relay.DefaultLoginFailuresPrefix+key).Result(); n != 0 {
		t.Fatal("forgiving a missing key created it")
	}
	begin(now)
	if ttl, _ := rdb.PTTL(ctx, relay.DefaultLoginFailuresPrefix+key).Result(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL %v, want about the window", ttl)
	}
	l.Reset(ctx, key)
}
