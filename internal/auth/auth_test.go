package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fast = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashUsesOWASPParametersInPHCFormat(t *testing.T) {
	h, err := NewHasher(DefaultArgon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := h.Hash(ctx, "correct horse battery")
	b, _ := h.Hash(ctx, "correct horse battery")
	if !strings.HasPrefix(a, "$argon2id$v=19$m=19456,t=2,p=1$") || a == b {
		t.Fatalf("hashes %q %q", a, b)
	}
	if err := h.Verify(ctx, "correct horse battery", a); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := h.Verify(ctx, "correct horse batter", a); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := h.Verify(ctx, "anything", ""); !errors.Is(err, ErrMismatch) {
		t.Fatalf("unknown user must fail like a mismatch: %v", err)
	}
	if err := h.Verify(ctx, "x", "$2b$10$bcrypt"); err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("foreign hash format: %v", err)
	}
}

func TestHashConcurrencyIsBounded(t *testing.T) {
	h, err := NewHasher(fast, 2)
	if err != nil {
		t.Fatal(err)
	}
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.slots <- struct{}{} // observe the semaphore the way derive uses it
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			<-h.slots
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("%d hashes ran at once, limit 2", peak.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.slots <- struct{}{}
	h.slots <- struct{}{}
	cancel()
	if _, err := h.Hash(ctx, "password"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a queued hash must give up with its context: %v", err)
	}
}

func TestTokens(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	tok := NewTokens([]byte(strings.Repeat("k", 32)), "supportd", 15*time.Minute, clock)
	s, err := tok.Issue(Claims{UserID: "user-1", Version: 3, SessionID: "session-7"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := tok.Verify(s)
	want := Claims{UserID: "user-1", Version: 3, SessionID: "session-7"}
	if err != nil || !c.IssuedAt.Equal(now) || (Claims{UserID: c.UserID, Version: c.Version, SessionID: c.SessionID}) != want {
		t.Fatalf("verify: %+v %v, want %+v", c, err, want)
	}
	now = now.Add(16 * time.Minute)
	if _, err := tok.Verify(s); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token accepted: %v", err)
	}
	other := NewTokens([]byte(strings.Repeat("k", 32)), "someone-else", 15*time.Minute, clock)
	s2, _ := other.Issue(Claims{UserID: "user-1"})
	if _, err := tok.Verify(s2); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("wrong issuer accepted: %v", err)
	}
}

// BenchmarkVerify is the cost of checking an access token, which the rate limiter
// does once more per request to key it by user:
//
//	go test -run '^$' -bench Verify -benchmem ./internal/auth
func BenchmarkVerify(b *testing.B) {
	tokens := NewTokens([]byte("benchmark-secret-key-that-is-32-bytes-long"), "supportd", time.Hour, time.Now)
	tok, err := tokens.Issue(Claims{UserID: "019354be-f462-78a3-a62a-7e3ea8cd6b49"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tokens.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
