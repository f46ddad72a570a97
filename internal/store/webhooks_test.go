package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

func newWebhook(creator string, at time.Time) *support.WebhookEndpoint {
	return &support.WebhookEndpoint{ID: uuid.Must(uuid.NewV7()).String(), URL: "https://hooks.example.com/in",
		Description: "CRM", EventTypes: []support.EventType{support.EventMessage, support.EventStatus}, Enabled: true,
		SecretSealed: "v1:sealed", CreatedBy: creator, CreatedAt: at, UpdatedAt: at}
}

// An endpoint reads back as stored, every field; updates store every field
// they may change; deletion and unknown ids answer not found.
func TestWebhookEndpointRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		admin := mustUserAs(t, db, support.RoleAdmin, "Admin")
		e := newWebhook(admin.ID, t0)
		if err := db.CreateWebhookEndpoint(ctx, e, 50); err != nil {
			t.Fatal(err)
		}
		got, err := db.WebhookEndpointByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, e)
		}
		later := t0.Add(time.Hour)
		changed, err := db.UpdateWebhookEndpoint(ctx, e.ID, func(w *support.WebhookEndpoint) error {
			w.URL, w.Description, w.EventTypes, w.Internal = "https://other.example.com/x", "", []support.EventType{}, true
			w.Enabled, w.DisabledReason, w.DisabledAt = false, "410 Gone", later
			w.FailingSince = later.Add(-time.Minute)
			w.PreviousSecretSealed, w.PreviousSecretExpiresAt, w.SecretSealed = w.SecretSealed, later.Add(24*time.Hour), "v1:new"
			w.UpdatedAt = later
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ = db.WebhookEndpointByID(ctx, e.ID); !reflect.DeepEqual(got, changed) {
			t.Fatalf("after update\n%+v\nwant\n%+v", got, changed)
		}
		if got.PreviousSecretSealed != "v1:sealed" || got.DisabledReason != "410 Gone" || !got.Internal || got.Enabled ||
			got.FailingSince.IsZero() {
			t.Fatalf("update not stored: %+v", got)
		}
		refuse := support.Invalid(support.FieldError{Field: "x"})
		if _, err := db.UpdateWebhookEndpoint(ctx, e.ID, func(w *support.WebhookEndpoint) error {
			w.URL = "https://changed.example.com"
			return refuse
		}); err != refuse {
			t.Fatalf("a refused change: err %v", err)
		}
		if got, _ := db.WebhookEndpointByID(ctx, e.ID); got.URL != "https://other.example.com/x" {
			t.Fatalf("a refused change was stored: %s", got.URL)
		}
		missing := uuid.NewString()
		if _, err := db.WebhookEndpointByID(ctx, missing); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if _, err := db.UpdateWebhookEndpoint(ctx, missing, func(*support.WebhookEndpoint) error { return nil }); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}
		if err := db.DeleteWebhookEndpoint(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteWebhookEndpoint(ctx, e.ID); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
	})
}

// Listing walks newest first in keyset pages; creation stops at the limit.
func TestWebhookEndpointsListAndLimit(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		var ids []string
		for i := range 5 {
			e := newWebhook("", t0.Add(time.Duration(i)*time.Minute))
			if err := db.CreateWebhookEndpoint(ctx, e, 5); err != nil {
				t.Fatal(err)
			}
			ids = append([]string{e.ID}, ids...) // newest first
		}
		if err := db.CreateWebhookEndpoint(ctx, newWebhook("", t0), 5); !errors.Is(err, support.ErrWebhookLimit) {
			t.Fatalf("sixth of five: %v", err)
		}
		var seen []string
		var after *support.PageKey
		for {
			page, err := db.ListWebhookEndpoints(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				seen = append(seen, e.ID)
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &support.PageKey{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if !reflect.DeepEqual(seen, ids) {
			t.Fatalf("listed %v, want %v", seen, ids)
		}
	})
}

// FailingSince is stored at creation, kept by an update that does not change
// it, and cleared by one that does.
func TestWebhookEndpointFailingSince(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := newWebhook("", t0)
		e.FailingSince = t0.Add(time.Minute)
		if err := db.CreateWebhookEndpoint(ctx, e, 50); err != nil {
			t.Fatal(err)
		}
		if e.FailingSince != t0.Add(time.Minute).UTC().Truncate(time.Microsecond) {
			t.Fatalf("FailingSince not normalised: %v", e.FailingSince)
		}
		if got, err := db.WebhookEndpointByID(ctx, e.ID); err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("read back\n%+v, %v\nwant\n%+v", got, err, e)
		}
		kept, err := db.UpdateWebhookEndpoint(ctx, e.ID, func(w *support.WebhookEndpoint) error { w.Description = "x"; return nil })
		if err != nil || !kept.FailingSince.Equal(e.FailingSince) {
			t.Fatalf("after an update: %v, %v", kept, err)
		}
		if _, err := db.UpdateWebhookEndpoint(ctx, e.ID, func(w *support.WebhookEndpoint) error { w.FailingSince = time.Time{}; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.WebhookEndpointByID(ctx, e.ID); !got.FailingSince.IsZero() {
			t.Fatalf("cleared FailingSince reads %v", got.FailingSince)
		}
	})
}
