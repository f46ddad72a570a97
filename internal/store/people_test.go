package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// mustUserAs stores a new user with role.
func mustUserAs(t *testing.T, db *store.DB, role support.Role, name string) *support.User {
	t.Helper()
	u := mustUser(t, db)
	got, err := db.UpdateUser(t.Context(), u.ID, func(u *support.User) error { u.Role, u.Name = role, name; return nil })
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	return got
}

// UpdateUser stores every field it may change, and reads back what it stored.
func TestUpdateUserRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		off := t0.Add(time.Hour)
		got, err := db.UpdateUser(t.Context(), u.ID, func(u *support.User) error {
			u.Name, u.Role, u.DeactivatedAt, u.TokenVersion, u.PasswordHash = "Ada", support.RoleAgent, off, 3, "new-hash"
			u.UpdatedAt = off
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		read, err := db.UserByID(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if read.Name != "Ada" || read.Role != support.RoleAgent || !read.DeactivatedAt.Equal(off.UTC().Truncate(time.Microsecond)) ||
			read.TokenVersion != 3 || read.PasswordHash != "new-hash" || read.Active() || *got != *read {
			t.Fatalf("stored %+v, returned %+v", read, got)
		}
		if _, err := db.UpdateUser(t.Context(), "0196f4a0-4a1e-7b3c-9d2e-1f0a2b3c4d5e", func(*support.User) error { return nil }); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		// A change that refuses stores nothing.
		refused := support.Errorf(support.CodeInvalid, "no")
		if _, err := db.UpdateUser(t.Context(), u.ID, func(u *support.User) error { u.Name = "Bob"; return refused }); err != refused {
			t.Fatalf("refused change: %v", err)
		}
		if again, _ := db.UserByID(t.Context(), u.ID); again.Name != "Ada" {
			t.Fatalf("refused change stored: %+v", again)
		}
	})
}

// Two admins demoting each other at once: exactly one wins, one admin remains.
func TestUpdateUserKeepsAnActiveAdmin(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		if ok, err := db.HasActiveAdmin(t.Context()); err != nil || ok {
			t.Fatalf("HasActiveAdmin on an empty database: %v %v", ok, err)
		}
		a := mustUserAs(t, db, support.RoleAdmin, "")
		b := mustUserAs(t, db, support.RoleAdmin, "")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []*support.User{a, b} {
			wg.Go(func() {
				_, errs[i] = db.UpdateUser(t.Context(), u.ID, func(u *support.User) error { u.Role = support.RoleAgent; return nil })
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), support.ErrLastAdmin) {
			t.Fatalf("errors %v, want exactly one ErrLastAdmin", errs)
		}
		if ok, err := db.HasActiveAdmin(t.Context()); err != nil || !ok {
			t.Fatalf("HasActiveAdmin: %v %v", ok, err)
		}
	})
}

// ListUsers filters by role, text and status and pages newest first.
func TestListUsers(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		agent := mustUserAs(t, db, support.RoleAgent, "Grace 100%_Hopper")
		mustUserAs(t, db, support.RoleAdmin, "Alan")
		customer := mustUser(t, db)
		list := func(f support.UserFilter) []string {
			t.Helper()
			if f.Limit == 0 {
				f.Limit = 10
			}
			users, err := db.ListUsers(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			return ids
		}
		if got := list(support.UserFilter{Role: support.RoleAgent}); len(got) != 1 || got[0] != agent.ID {
			t.Errorf("role agent: %v", got)
		}
		if got := list(support.UserFilter{Query: "100%_HOP"}); len(got) != 1 || got[0] != agent.ID {
			t.Errorf("query with LIKE characters: %v", got)
		}
		if got := list(support.UserFilter{Query: "100x"}); len(got) != 0 {
			t.Errorf("%% and _ must be literal: %v", got)
		}
		if got := list(support.UserFilter{Query: customer.EmailKey}); len(got) != 1 || got[0] != customer.ID {
			t.Errorf("query by email: %v", got)
		}
		if _, err := db.UpdateUser(t.Context(), customer.ID, func(u *support.User) error { u.DeactivatedAt = t0; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := list(support.UserFilter{Status: support.UserDeactivated}); len(got) != 1 || got[0] != customer.ID {
			t.Errorf("deactivated: %v", got)
		}
		if got := list(support.UserFilter{Status: support.UserActive}); len(got) != 2 {
			t.Errorf("active: %v", got)
		}
		all := list(support.UserFilter{})
		first := list(support.UserFilter{Limit: 1})
		u, _ := db.UserByID(t.Context(), first[0])
		rest := list(support.UserFilter{After: &support.PageKey{CreatedAt: u.CreatedAt, ID: u.ID}})
		if len(all) != 3 || len(rest) != 2 || all[0] != first[0] || rest[0] != all[1] || rest[1] != all[2] {
			t.Errorf("pages: all %v, first %v, rest %v", all, first, rest)
		}
	})
}
