package support

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestFailurePolicyDelay(t *testing.T) {
	p := FailurePolicy{Max: 10, Window: 15 * time.Minute, Base: 30 * time.Second, Cap: 15 * time.Minute}
	want := map[int]time.Duration{0: 0, 9: 0, 10: 30 * time.Second, 11: time.Minute, 12: 2 * time.Minute,
		14: 8 * time.Minute, 15: 15 * time.Minute, 40: 15 * time.Minute, 1 << 30: 15 * time.Minute}
	for n, d := range want {
		if got := p.Delay(n); got != d {
			t.Errorf("Delay(%d) = %v, want %v", n, got, d)
		}
	}
}

// The design's claim: under the default policy an attacker who retries the moment
// each lockout ends gets well under ASVS's 100 failures an hour on one account,
// and one who waits for the count to lapse gets fewer still.
func TestDefaultPolicyStaysUnderASVSCeiling(t *testing.T) {
	p := FailurePolicy{Max: 10, Window: 15 * time.Minute, Base: 30 * time.Second, Cap: 15 * time.Minute}
	m := newMemFailures(10)
	now := time.Unix(0, 0)
	end := now.Add(time.Hour)
	failures := 0
	for now.Before(end) {
		locked, _ := m.Begin(context.Background(), "k", now, p)
		if locked == 0 {
			failures++
			continue
		}
		now = now.Add(locked)
	}
	t.Logf("retrying at once: %d failures in the first hour", failures)
	if failures > 20 {
		t.Errorf("%d failures in the first hour, want about 18", failures)
	}
	// Waiting out the count instead: 10 failures, then silence until it lapses.
	m, now, failures = newMemFailures(10), time.Unix(0, 0), 0
	for now.Before(end) {
		for range p.Max {
			if locked, _ := m.Begin(context.Background(), "k", now, p); locked == 0 {
				failures++
			}
		}
		now = now.Add(p.Delay(p.Max) + p.Window)
	}
	t.Logf("waiting for lapses: %d failures an hour", failures)
	if failures > 40 {
		t.Errorf("%d failures an hour waiting for the count to lapse, want at most 40", failures)
	}
}

func TestMemFailures(t *testing.T) {
	ctx := context.Background()
	p := FailurePolicy{Max: 2, Window: time.Minute, Base: 10 * time.Second, Cap: time.Minute}
	m := newMemFailures(3)
	now := time.Unix(1000, 0)
	for range 2 {
		if locked, _ := m.Begin(ctx, "a", now, p); locked != 0 {
			t.Fatal("locked before the threshold")
		}
	}
	if locked, _ := m.Begin(ctx, "a", now.Add(time.Second), p); locked != 9*time.Second {
		t.Fatalf("locked %v, want 9s", locked)
	}
	m.Forgive(ctx, "a")
	if locked, _ := m.Begin(ctx, "a", now, p); locked != 0 {
		t.Fatal("a forgiven attempt still counts")
	}
	m.Reset(ctx, "a")
	if _, ok := m.entries["a"]; ok {
		t.Fatal("reset kept the entry")
	}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		m.Begin(ctx, k, now, p)
	}
	if len(m.entries) > 3 {
		t.Fatalf("%d entries, bound 3", len(m.entries))
	}
}

// brokenCounter is a shared counter whose store is down.
type brokenCounter struct{ calls int }

func (b *brokenCounter) Begin(context.Context, string, time.Time, FailurePolicy) (time.Duration, error) {
	b.calls++
	return 0, errors.New("dial tcp: connection refused")
}
func (b *brokenCounter) Forgive(context.Context, string) error { return errors.New("down") }
func (b *brokenCounter) Reset(context.Context, string) error   { return errors.New("down") }

// When the shared counter fails, attempts are counted locally, the outage is
// logged once, and the shared counter is tried again at most once a second.
func TestLoginGuardFallsBackToLocalCounts(t *testing.T) {
	var logs bytes.Buffer
	shared := &brokenCounter{}
	g := newLoginGuard(LoginGuardConfig{MaxFailures: 3, MaxFailuresPerIP: 100, Window: time.Minute,
		LockoutBase: 10 * time.Second, LockoutMax: time.Minute}, shared, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	ctx := context.Background()
	now := time.Unix(1000, 0)
	for range 3 {
		a, err := g.admit(ctx, "ada@example.com", "192.0.2.1", now)
		if err != nil {
			t.Fatalf("admit: %v", err)
		}
		a.settle(ctx, ErrBadCredentials)
	}
	_, err := g.admit(ctx, "ada@example.com", "192.0.2.1", now)
	if ErrorCode(err) != CodeRateLimited {
		t.Fatalf("4th attempt: %v, want rate limited", err)
	}
	if n := strings.Count(logs.String(), "shared login failure counts unavailable"); n != 1 {
		t.Errorf("%d outage warnings, want 1:\n%s", n, logs.String())
	}
	if shared.calls != 1 {
		t.Errorf("shared counter tried %d times within a second of failing, want 1", shared.calls)
	}
}

type busyHasher struct{}

func (busyHasher) Error() string       { return "hashing queue full" }
func (busyHasher) Busy() time.Duration { return time.Second }

// Attempts refused because hashing is saturated were no guesses: they count
// against neither the account nor the client's address, however many there are.
func TestLoginGuardForgivesBusyRefusals(t *testing.T) {
	g := newLoginGuard(LoginGuardConfig{MaxFailures: 2, MaxFailuresPerIP: 2, Window: time.Minute,
		LockoutBase: 10 * time.Second, LockoutMax: time.Minute}, nil, slog.New(slog.DiscardHandler), nil)
	ctx, now := context.Background(), time.Unix(1000, 0)
	for i := range 5 {
		a, err := g.admit(ctx, "ada@example.com", "192.0.2.1", now)
		if err != nil {
			t.Fatalf("attempt %d after busy refusals: %v", i, err)
		}
		a.settle(ctx, busyHasher{})
	}
	for range 2 {
		a, err := g.admit(ctx, "ada@example.com", "192.0.2.1", now)
		if err != nil {
			t.Fatal(err)
		}
		a.settle(ctx, ErrBadCredentials)
	}
	if _, err := g.admit(ctx, "ada@example.com", "192.0.2.1", now); ErrorCode(err) != CodeRateLimited {
		t.Fatalf("after 2 real failures: %v, want rate limited", err)
	}
}
