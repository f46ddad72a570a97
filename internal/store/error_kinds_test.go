package store_test

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// Every database error is reported by kind once; a row not found is an answer, not an error.
func TestObserveErrorsByKind(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			var mu sync.Mutex
			seen := map[string]int{}
			db.ObserveErrors(func(kind string) { mu.Lock(); seen[kind]++; mu.Unlock() })
			ctx := context.Background()
			if _, err := db.UserByID(ctx, uuid.NewString()); err == nil {
				t.Fatal("found a user that does not exist")
			}
			u := &support.User{Email: "a@example.com", EmailKey: "a@example.com", PasswordHash: "x", Role: support.RoleCustomer}
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			dup := &support.User{Email: "a@example.com", EmailKey: "a@example.com", PasswordHash: "x", Role: support.RoleCustomer}
			if err := db.CreateUser(ctx, dup); support.ErrorCode(err) != support.CodeConflict {
				t.Fatalf("duplicate: %v", err)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if err := db.Ping(cancelled); err == nil {
				t.Fatal("ping with a cancelled context succeeded")
			}
			db.Close()
			if err := db.Ping(ctx); support.ErrorCode(err) != support.CodeUnavailable {
				t.Fatalf("closed: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := map[string]int{"conflict": 1, "canceled": 1, "unavailable": 1}; !maps.Equal(seen, want) {
				t.Fatalf("errors by kind %v, want %v", seen, want)
			}
		})
	}
}
