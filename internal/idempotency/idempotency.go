// Package idempotency makes retried writes safe, as the IETF
// httpapi-idempotency-key-header draft and Stripe define Idempotency-Key: the
// first response to a request with a key is kept for a day and replayed to a
// retry with the same key from the same caller (a scope: a user, or a client IP).
//
// A Keeper decides; a Store (internal/store, on PostgreSQL and SQLite) keeps
// one row per (scope, key). The HTTP side, which fingerprints requests and
// captures and replays responses, is internal/httpapi/idempotency.go.
package idempotency

import (
	"context"
	"crypto/rand"
	"log/slog"
	mrand "math/rand/v2"
	"time"
)

// Defaults of Options.
const (
	DefaultTTL   = 24 * time.Hour
	DefaultLease = 5 * time.Minute
	DefaultWait  = 5 * time.Second
	pollMin      = 25 * time.Millisecond // a waiter reads the key every 25-50 ms
	pruneBatch   = 1000                  // rows per DELETE: short write transactions (SQLite has one writer)
)

// Claim is a key held by the request that runs it: the first with the key, or
// the first after an earlier holder released it or its lease lapsed.
type Claim struct {
	Scope, Key string
	ID         string    // tells this holder from a later one
	CreatedAt  time.Time // when the first request claimed it; the key expires TTL after
}

// Response is a kept response: what a replay sends.
type Response struct {
	Status      int
	ContentType string
	Location    string
	ETag        string
	Body        []byte
}

// Record is a key as stored.
type Record struct {
	Done        bool   // false: the request holding it is still being processed
	Fingerprint string // hex SHA-256 of the first request, once Done
	Response    Response
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps the keys. A row that has expired is absent to every method but
// DeleteIdempotencyKeysBefore.
type Store interface {
	// ClaimIdempotencyKey records c as in progress until expires unless an
	// unexpired row holds (c.Scope, c.Key), atomically, and reports whether it did.
	ClaimIdempotencyKey(ctx context.Context, c Claim, expires time.Time) (bool, error)
	// IdempotencyKey returns the unexpired row of (scope, key) at now; found is
	// false when there is none.
	IdempotencyKey(ctx context.Context, scope, key string, now time.Time) (rec Record, found bool, err error)
	// FinishIdempotencyKey keeps r for c's key until expires; nothing if c no
	// longer holds it.
	FinishIdempotencyKey(ctx context.Context, c Claim, fingerprint string, r Response, expires time.Time) error
	// ReleaseIdempotencyKey deletes c's key if c still holds it, in progress.
	ReleaseIdempotencyKey(ctx context.Context, c Claim) error
	// DeleteIdempotencyKeysBefore deletes up to limit rows expired at cutoff and
	// returns how many.
	DeleteIdempotencyKeysBefore(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Options tune a Keeper; the zero value is production behaviour.
type Options struct {
	Now func() time.Time // clock for created and expiry times; default time.Now
	// TTL is how long a key's response is kept after its first request; default 24 h.
	TTL time.Duration
	// Lease is how long a key stays in progress without an answer before
	// another request may take it over: a process that died mid-request does
	// not block the key for a day. Longer than any request; default 5 min.
	Lease time.Duration
	// Wait is how long a request waits for another with its key to finish
	// before it is refused (409); default 5 s.
	Wait time.Duration
	Log  *slog.Logger // default slog.Default()
}

// Keeper claims, finishes and prunes keys.
type Keeper struct {
	store Store
	opts  Options
}

// New returns a Keeper over store.
func New(store Store, o Options) *Keeper {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Keeper{store: store, opts: o}
}

// Outcome is what Begin found: a Claim to run the request under, or else the
// key's Record: Done (replay it, or refuse a different request), or still in
// progress after the wait (refuse with 409).
type Outcome struct {
	Claim  *Claim
	Record Record
}

// Begin claims (scope, key) for this request or, when another request holds
// it, waits up to Options.Wait for that one to finish, reading the key every
// 25-50 ms. A key released meanwhile (its request failed) is claimed again, so
// of many concurrent requests one runs at a time and the rest get its answer.
func (k *Keeper) Begin(ctx context.Context, scope, key string) (Outcome, error) {
	deadline := time.Now().Add(k.opts.Wait) // real time: a test's frozen clock must not wait forever
	for {
		c := Claim{Scope: scope, Key: key, ID: rand.Text(), CreatedAt: k.opts.Now()}
		ok, err := k.store.ClaimIdempotencyKey(ctx, c, c.CreatedAt.Add(k.opts.Lease))
		if err != nil || ok {
			if ok {
				return Outcome{Claim: &c}, nil
			}
			return Outcome{}, err
		}
		rec, found, err := k.await(ctx, scope, key, deadline)
		if err != nil || found {
			return Outcome{Record: rec}, err
		}
	}
}

// await reads the key until it is done, gone (found false) or deadline passes.
func (k *Keeper) await(ctx context.Context, scope, key string, deadline time.Time) (Record, bool, error) {
	for {
		rec, found, err := k.store.IdempotencyKey(ctx, scope, key, k.opts.Now())
		if err != nil || !found || rec.Done || !time.Now().Before(deadline) {
			return rec, found, err
		}
		pause := min(pollMin+mrand.N(pollMin), time.Until(deadline))
		select {
		case <-ctx.Done():
			return rec, found, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// Finish keeps r as the answer to c's key for TTL from its first request.
func (k *Keeper) Finish(ctx context.Context, c *Claim, fingerprint string, r Response) error {
	if r.Body == nil {
		r.Body = []byte{} // a kept body is never NULL
	}
	return k.store.FinishIdempotencyKey(ctx, *c, fingerprint, r, c.CreatedAt.Add(k.opts.TTL))
}

// Release gives c's key up unanswered, so that a retry runs afresh.
func (k *Keeper) Release(ctx context.Context, c *Claim) error {
	return k.store.ReleaseIdempotencyKey(ctx, *c)
}

// Prune deletes the expired keys, a batch at a time, and returns how many.
func (k *Keeper) Prune(ctx context.Context) (int, error) {
	cutoff, total := k.opts.Now(), 0
	for {
		n, err := k.store.DeleteIdempotencyKeysBefore(ctx, cutoff, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// RunPruner prunes at once and then every period until ctx ends. Instances
// pruning one database at once delete each row once.
func (k *Keeper) RunPruner(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := k.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			k.opts.Log.WarnContext(ctx, "pruning idempotency keys failed", "deleted", n, "err", err)
		case n > 0:
			k.opts.Log.InfoContext(ctx, "pruned expired idempotency keys", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
