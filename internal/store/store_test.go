package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// Conformance tests for store.DB, in this file and the other *_test.go files of
// package store_test: every test runs once per engine from storetest.Engines,
// each on a database of its own, so they run in parallel. This file holds the
// shared helpers and the user and ticket tests.

// t0 is a fixed base time with sub-microsecond digits, which the store must truncate.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+2", 2*3600))

// eachEngine runs fn as a parallel subtest per engine, on a fresh migrated database.
func eachEngine(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Open(t, engine))
		})
	}
}

var userSeq atomic.Int64

// mustUser stores a new customer with a unique email.
func mustUser(t *testing.T, db *store.DB) *support.User {
	t.Helper()
	email := fmt.Sprintf("User%d@Example.com", userSeq.Add(1))
	u := &support.User{Email: email, EmailKey: strings.ToLower(email), PasswordHash: "hash", Role: support.RoleCustomer}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// mustTicket stores a ticket for customerID created at the given time (zero: now).
func mustTicket(t *testing.T, db *store.DB, customerID string, at time.Time) *support.Ticket {
	t.Helper()
	tk := &support.Ticket{CustomerID: customerID, Title: "title", Description: "description", CreatedAt: at}
	if err := db.CreateTicket(t.Context(), tk); err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return tk
}

func checkUser(t *testing.T, got, want *support.User) {
	t.Helper()
	if got.ID != want.ID || got.Email != want.Email || got.EmailKey != want.EmailKey ||
		got.PasswordHash != want.PasswordHash || got.Role != want.Role {
		t.Errorf("user = %+v, want %+v", got, want)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func checkTicket(t *testing.T, got, want *support.Ticket) {
	t.Helper()
	if got.ID != want.ID || got.CustomerID != want.CustomerID || got.Title != want.Title ||
		got.Description != want.Description || got.Status != want.Status {
		t.Errorf("ticket = %+v, want %+v", got, want)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// checkTime wants got Equal to want and, as the store promises, in UTC.
func checkTime(t *testing.T, field string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", field, got, want)
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func ids(tickets []support.Ticket) []string {
	out := make([]string, len(tickets))
	for i, tk := range tickets {
		out[i] = tk.ID
	}
	return out
}

func TestEngine(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			if got := db.Engine(); got != engine {
				t.Errorf("Engine() = %q, want %q", got, engine)
			}
			if err := db.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		want := &support.User{
			ID: "user-1", Email: " Ann@Example.com", EmailKey: "ann@example.com",
			PasswordHash: "$argon2id$v=19$...", Role: support.RoleAgent, CreatedAt: t0,
		}
		if err := db.CreateUser(ctx, want); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if !want.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || !want.UpdatedAt.Equal(want.CreatedAt) {
			t.Errorf("CreateUser left times %v, %v; want %v truncated to µs for both", want.CreatedAt, want.UpdatedAt, t0)
		}
		got, err := db.UserByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("UserByID: %v", err)
		}
		checkUser(t, got, want)
		got, err = db.UserByEmailKey(ctx, want.EmailKey)
		if err != nil {
			t.Fatalf("UserByEmailKey: %v", err)
		}
		checkUser(t, got, want)
	})
}

func TestCreateUserDefaults(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		before := time.Now().Add(-time.Second)
		u := mustUser(t, db)
		if u.ID == "" || u.CreatedAt.Before(before) || !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Errorf("CreateUser did not fill ID and times: %+v", u)
		}
		got, err := db.UserByID(t.Context(), u.ID)
		if err != nil {
			t.Fatalf("UserByID: %v", err)
		}
		checkUser(t, got, u)
	})
}

func TestUserErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		taken := mustUser(t, db)
		tests := []struct {
			name     string
			call     func() error
			wantIs   error
			wantCode support.Code
		}{
			{"duplicate email key", func() error {
				u := &support.User{Email: "x", EmailKey: taken.EmailKey, PasswordHash: "h", Role: support.RoleCustomer}
				return db.CreateUser(ctx, u)
			}, support.ErrDuplicateEmail, support.CodeConflict},
			{"duplicate id", func() error {
				u := &support.User{ID: taken.ID, Email: "y", EmailKey: "other@example.com", PasswordHash: "h", Role: support.RoleCustomer}
				return db.CreateUser(ctx, u)
			}, nil, support.CodeConflict},
			{"unknown role", func() error {
				u := &support.User{Email: "z", EmailKey: "z@example.com", PasswordHash: "h", Role: "root"}
				return db.CreateUser(ctx, u)
			}, nil, support.CodeInternal},
			{"id not found", func() error {
				_, err := db.UserByID(ctx, "no-such-user")
				return err
			}, support.ErrNotFound, support.CodeNotFound},
			{"email key not found", func() error {
				_, err := db.UserByEmailKey(ctx, "nobody@example.com")
				return err
			}, support.ErrNotFound, support.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				if err == nil {
					t.Fatal("got nil error")
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("error %v is not %v", err, tt.wantIs)
				}
				if got := support.ErrorCode(err); got != tt.wantCode {
					t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tt.wantCode)
				}
			})
		}
	})
}

func TestCreateTicket(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		want := &support.Ticket{CustomerID: u.ID, Title: "Printer on fire", Description: "Send help", CreatedAt: t0}
		if err := db.CreateTicket(ctx, want); err != nil {
			t.Fatalf("CreateTicket: %v", err)
		}
		if want.ID == "" || want.Status != support.StatusOpen || !want.UpdatedAt.Equal(want.CreatedAt) {
			t.Errorf("CreateTicket did not fill ID, Status and UpdatedAt: %+v", want)
		}
		got, err := db.TicketByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("TicketByID: %v", err)
		}
		checkTicket(t, got, want)

		_, err = db.TicketByID(ctx, "no-such-ticket")
		if !errors.Is(err, support.ErrNotFound) {
			t.Errorf("TicketByID(missing) error = %v, want ErrNotFound", err)
		}
		orphan := &support.Ticket{CustomerID: "no-such-user", Title: "t", Description: "d"}
		if err := db.CreateTicket(ctx, orphan); err == nil {
			t.Error("CreateTicket for a missing customer succeeded; want a foreign-key error")
		}
	})
}
