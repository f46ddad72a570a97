package store_test

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/idempotency"
	"github.com/supportd/supportd/internal/store"
)

// A key is claimed once, answered by its holder only, read back as kept, and
// released only while in progress.
func TestIdempotencyKeyLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx, now := t.Context(), t0
		c := idempotency.Claim{Scope: "user:u1", Key: "k1", ID: "first", CreatedAt: now}
		if ok, err := db.ClaimIdempotencyKey(ctx, c, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("first claim = %v, %v", ok, err)
		}
		other := c
		other.ID = "second"
		if ok, err := db.ClaimIdempotencyKey(ctx, other, now.Add(time.Minute)); err != nil || ok {
			t.Fatalf("second claim = %v, %v; want refused", ok, err)
		}
		rec, found, err := db.IdempotencyKey(ctx, c.Scope, c.Key, now)
		if err != nil || !found || rec.Done || !rec.CreatedAt.Equal(now.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("in progress = %+v, %v, %v", rec, found, err)
		}
		// Another scope is another key.
		if ok, _ := db.ClaimIdempotencyKey(ctx, idempotency.Claim{Scope: "ip:192.0.2.1", Key: "k1", ID: "x", CreatedAt: now},
			now.Add(time.Minute)); !ok {
			t.Fatal("the same key in another scope was refused")
		}
		resp := idempotency.Response{Status: 201, ContentType: "application/json", Location: "/tickets/1", ETag: `"1"`,
			Body: []byte(`{"id":"1"}`)}
		// Only the holder answers the key.
		if err := db.FinishIdempotencyKey(ctx, other, "ff", resp, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if rec, _, _ := db.IdempotencyKey(ctx, c.Scope, c.Key, now); rec.Done {
			t.Fatal("a claim that does not hold the key answered it")
		}
		if err := db.FinishIdempotencyKey(ctx, c, "abc", resp, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rec, found, err = db.IdempotencyKey(ctx, c.Scope, c.Key, now.Add(time.Hour))
		if err != nil || !found || !rec.Done || rec.Fingerprint != "abc" || rec.Response.Status != 201 ||
			rec.Response.ContentType != resp.ContentType || rec.Response.Location != resp.Location ||
			rec.Response.ETag != resp.ETag || !bytes.Equal(rec.Response.Body, resp.Body) {
			t.Fatalf("kept = %+v, %v, %v", rec, found, err)
		}
		// A kept answer is not released, nor taken over before it expires.
		if err := db.ReleaseIdempotencyKey(ctx, c); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.ClaimIdempotencyKey(ctx, other, now.Add(time.Hour)); ok {
			t.Fatal("a kept key was claimed again before it expired")
		}
		if _, found, _ := db.IdempotencyKey(ctx, c.Scope, c.Key, now); !found {
			t.Fatal("release deleted a kept key")
		}
		// Expired: absent, and claimed afresh.
		later := now.Add(24 * time.Hour)
		if _, found, _ := db.IdempotencyKey(ctx, c.Scope, c.Key, later); found {
			t.Fatal("an expired key was found")
		}
		other.CreatedAt = later
		if ok, err := db.ClaimIdempotencyKey(ctx, other, later.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim of an expired key = %v, %v", ok, err)
		}
		if rec, _, _ := db.IdempotencyKey(ctx, c.Scope, c.Key, later); rec.Done || rec.Fingerprint != "" || rec.Response.Body != nil {
			t.Fatalf("taken over = %+v, want in progress and empty", rec)
		}
		if err := db.ReleaseIdempotencyKey(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := db.IdempotencyKey(ctx, c.Scope, c.Key, later); found {
			t.Fatal("a released key is still there")
		}
	})
}

// An empty body is kept as empty, not as in progress.
func TestIdempotencyKeyEmptyBody(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		c := idempotency.Claim{Scope: "s", Key: "k", ID: "1", CreatedAt: t0}
		if _, err := db.ClaimIdempotencyKey(t.Context(), c, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishIdempotencyKey(t.Context(), c, "f", idempotency.Response{Status: 204}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rec, _, err := db.IdempotencyKey(t.Context(), "s", "k", t0)
		if err != nil || !rec.Done || rec.Response.Status != 204 || len(rec.Response.Body) != 0 {
			t.Fatalf("kept = %+v, %v", rec, err)
		}
	})
}

// Of concurrent claims of one key exactly one wins.
func TestIdempotencyKeyClaimRace(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				c := idempotency.Claim{Scope: "user:race", Key: "k", ID: string(rune('a' + i)), CreatedAt: t0}
				ok, err := db.ClaimIdempotencyKey(t.Context(), c, t0.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d claims won, want 1", n)
		}
	})
}

// The prune deletes the expired rows, a batch at a time, and keeps the rest.
func TestDeleteIdempotencyKeysBefore(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		for i, exp := range []time.Duration{-time.Hour, -time.Second, 0, time.Microsecond, time.Hour} {
			c := idempotency.Claim{Scope: "s", Key: string(rune('a' + i)), ID: "x", CreatedAt: t0.Add(-48 * time.Hour)}
			if ok, err := db.ClaimIdempotencyKey(t.Context(), c, t0.Add(exp)); err != nil || !ok {
				t.Fatalf("claim %d = %v, %v", i, ok, err)
			}
		}
		var batches []int
		for range 4 {
			n, err := db.DeleteIdempotencyKeysBefore(t.Context(), t0, 2)
			if err != nil {
				t.Fatal(err)
			}
			batches = append(batches, n)
			if n < 2 {
				break
			}
		}
		if len(batches) != 2 || batches[0] != 2 || batches[1] != 1 {
			t.Fatalf("batches %v, want [2 1]", batches)
		}
		for i, want := range []bool{false, false, false, true, true} {
			_, found, _ := db.IdempotencyKey(t.Context(), "s", string(rune('a'+i)), t0.Add(-time.Hour*2))
			if found != want {
				t.Errorf("key %d found %v, want %v", i, found, want)
			}
		}
	})
}
