package store_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// recorder is an enqueue function that keeps what it is handed.
type recorder struct {
	mu        sync.Mutex
	calls     int
	events    []support.WebhookEvent
	endpoints [][]support.WebhookEndpoint
}

func (r *recorder) enqueue(_ context.Context, _ *sql.Tx, events []support.WebhookEvent, endpoints []support.WebhookEndpoint) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.events = append(r.events, events...)
	r.endpoints = append(r.endpoints, endpoints)
	return nil
}

func (r *recorder) ids() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := []int64{}
	for _, e := range r.events {
		ids = append(ids, e.ID)
	}
	return ids
}

// dispatchUntil dispatches until r holds n events: on PostgreSQL another
// test's transaction may hold the horizon back for a moment.
func dispatchUntil(t *testing.T, db *store.DB, r *recorder, limit, n int) []int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.ids()) < n && time.Now().Before(deadline) {
		got, err := db.DispatchWebhooks(t.Context(), limit, r.enqueue)
		if err != nil {
			t.Fatalf("DispatchWebhooks: %v", err)
		}
		if got > limit {
			t.Fatalf("dispatched %d events, limit %d", got, limit)
		}
		if got == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	return r.ids()
}

// dispatchNone wants a dispatch that hands nothing on and does not call enqueue.
func dispatchNone(t *testing.T, db *store.DB, what string) {
	t.Helper()
	n, err := db.DispatchWebhooks(t.Context(), 10, func(context.Context, *sql.Tx, []support.WebhookEvent, []support.WebhookEndpoint) error {
		t.Errorf("%s: enqueue called", what)
		return nil
	})
	if n != 0 || err != nil {
		t.Fatalf("%s: dispatched %d, %v", what, n, err)
	}
}

func mustWebhook(t *testing.T, db *store.DB, enabled bool) *support.WebhookEndpoint {
	t.Helper()
	e := newWebhook("", t0)
	e.Enabled = enabled
	if err := db.CreateWebhookEndpoint(t.Context(), e, 50); err != nil {
		t.Fatalf("CreateWebhookEndpoint: %v", err)
	}
	return e
}

func mustMessage(t *testing.T, db *store.DB, ticketID, authorID string) {
	t.Helper()
	m := &support.Message{ID: uuid.NewString(), TicketID: ticketID, AuthorID: authorID, Sender: support.SenderUser, Content: "hi"}
	if err := db.AddMessage(t.Context(), m); err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
}

func mustNote(t *testing.T, db *store.DB, ticketID, authorID string, at time.Time) {
	t.Helper()
	if err := db.AddNote(t.Context(), &support.Note{TicketID: ticketID, AuthorID: authorID, Content: "internal", CreatedAt: at}); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
}

// With no enabled endpoint a dispatch hands nothing on and skips the events
// so far: an endpoint enabled later receives only what happens after.
func TestDispatchWebhooksWithoutEndpoints(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann := mustUser(t, db)
		dispatchNone(t, db, "empty feed")
		mustWebhook(t, db, false)
		tk := mustTicket(t, db, ann.ID, time.Time{})
		mustMessage(t, db, tk.ID, ann.ID)
		settled(t, db, support.FeedCursor{}, 2)
		dispatchNone(t, db, "only a disabled endpoint")
		on := mustWebhook(t, db, true)
		dispatchNone(t, db, "events from before the endpoint")
		mustMessage(t, db, tk.ID, ann.ID)
		var r recorder
		got := dispatchUntil(t, db, &r, 10, 1)
		all := settled(t, db, support.FeedCursor{}, 3)
		if !slices.Equal(got, all[2:]) {
			t.Fatalf("dispatched %v, want the last of %v", got, all)
		}
		if len(r.endpoints[0]) != 1 || r.endpoints[0][0].ID != on.ID {
			t.Fatalf("endpoints %+v, want only the enabled one", r.endpoints[0])
		}
	})
}

// Events are handed on once each, in feed order, internal ones included, in
// pages of at most limit, with their sequences in their ticket: the public
// sequence skips a note.
func TestDispatchWebhooksInOrder(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann, bob := mustUser(t, db), mustUser(t, db)
		agent := mustUserAs(t, db, support.RoleAgent, "Agent")
		on := mustWebhook(t, db, true)
		mustWebhook(t, db, false)
		a := mustTicket(t, db, ann.ID, time.Time{})
		mustNote(t, db, a.ID, agent.ID, time.Time{})
		mustMessage(t, db, a.ID, ann.ID)
		b := mustTicket(t, db, bob.ID, time.Time{})
		mustMessage(t, db, b.ID, bob.ID)
		all := settled(t, db, support.FeedCursor{}, 5)
		var r recorder
		if got := dispatchUntil(t, db, &r, 2, 5); !slices.Equal(got, all) {
			t.Fatalf("dispatched %v, want %v", got, all)
		}
		dispatchNone(t, db, "after every event")
		if r.calls < 3 {
			t.Errorf("%d calls for 5 events in pages of 2", r.calls)
		}
		for _, eps := range r.endpoints {
			if len(eps) != 1 || eps[0].ID != on.ID {
				t.Errorf("endpoints %+v, want only the enabled one", eps)
			}
		}
		want := []struct {
			ticket, customer string
			typ              support.EventType
			internal         bool
			seq, public      int64
		}{
			{a.ID, ann.ID, support.EventCreated, false, 1, 1},
			{a.ID, ann.ID, support.EventNote, true, 2, 1},
			{a.ID, ann.ID, support.EventMessage, false, 3, 2},
			{b.ID, bob.ID, support.EventCreated, false, 1, 1},
			{b.ID, bob.ID, support.EventMessage, false, 2, 2},
		}
		for i, e := range r.events {
			w := want[i]
			if e.TicketID != w.ticket || e.CustomerID != w.customer || e.Type != w.typ || e.Internal != w.internal ||
				e.Sequence != w.seq || e.PublicSequence != w.public || e.Cursor.ID != e.ID {
				t.Errorf("event %d: %+v, want %+v", i, e, w)
			}
		}
	})
}

// An enqueue error rolls the whole dispatch back: what enqueue wrote in the
// transaction and the cursor's move. The next dispatch hands the same events on.
func TestDispatchWebhooksEnqueueError(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann := mustUser(t, db)
		on := mustWebhook(t, db, true)
		tk := mustTicket(t, db, ann.ID, time.Time{})
		mustMessage(t, db, tk.ID, ann.ID)
		all := settled(t, db, support.FeedCursor{}, 2)
		boom := errors.New("boom")
		_, err := db.DispatchWebhooks(t.Context(), 10, func(ctx context.Context, tx *sql.Tx, _ []support.WebhookEvent, _ []support.WebhookEndpoint) error {
			if _, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET description = 'enqueued'"); err != nil {
				t.Errorf("write in the dispatch: %v", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("dispatch with a failing enqueue: %v", err)
		}
		if e, _ := db.WebhookEndpointByID(t.Context(), on.ID); e.Description != on.Description {
			t.Errorf("enqueue's write survived its error: %q", e.Description)
		}
		var r recorder
		if got := dispatchUntil(t, db, &r, 10, 2); !slices.Equal(got, all) {
			t.Fatalf("after the error dispatched %v, want %v", got, all)
		}
	})
}

// Dispatchers running at once, while events are written, hand every event on
// exactly once, and in feed order: they take turns on the cursor.
func TestDispatchWebhooksConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann := mustUser(t, db)
		mustWebhook(t, db, true)
		const tickets = 15 // two events each
		var r recorder
		var stop atomic.Bool
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for !stop.Load() {
					n, err := db.DispatchWebhooks(t.Context(), 3, func(ctx context.Context, tx *sql.Tx, ev []support.WebhookEvent, ep []support.WebhookEndpoint) error {
						time.Sleep(time.Millisecond) // widen the window for a second dispatcher
						return r.enqueue(ctx, tx, ev, ep)
					})
					if err != nil {
						t.Errorf("DispatchWebhooks: %v", err)
						return
					}
					if n == 0 {
						time.Sleep(2 * time.Millisecond)
					}
				}
			})
		}
		for range tickets {
			tk := mustTicket(t, db, ann.ID, time.Time{})
			mustMessage(t, db, tk.ID, ann.ID)
		}
		all := settled(t, db, support.FeedCursor{}, 2*tickets)
		deadline := time.Now().Add(10 * time.Second)
		for len(r.ids()) < len(all) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		stop.Store(true)
		wg.Wait()
		if got := r.ids(); !slices.Equal(got, all) {
			t.Fatalf("dispatched %v\nwant %v", got, all)
		}
		for i := 1; i < len(r.events); i++ {
			if !r.events[i-1].Cursor.Less(r.events[i].Cursor) {
				t.Fatalf("event %d at %+v after %+v", i, r.events[i].Cursor, r.events[i-1].Cursor)
			}
		}
	})
}

// WebhookEvent reads one event with its sequences; WebhookEventsBetween a time
// range, oldest first, up to a limit.
func TestWebhookEvents(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ann := mustUser(t, db)
		agent := mustUserAs(t, db, support.RoleAgent, "Agent")
		at := func(minute int) time.Time { return t0.Add(time.Duration(minute) * time.Minute) }
		a := mustTicket(t, db, ann.ID, at(0))
		mustNote(t, db, a.ID, agent.ID, at(1))
		m := &support.Message{ID: uuid.NewString(), TicketID: a.ID, AuthorID: ann.ID, Sender: support.SenderUser, Content: "hi", CreatedAt: at(2)}
		if err := db.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		mustTicket(t, db, ann.ID, at(3))
		events, err := db.Events(ctx, support.EventFilter{TicketID: a.ID, IncludeInternal: true, Limit: 10})
		if err != nil || len(events) != 3 {
			t.Fatalf("events %+v, %v", events, err)
		}
		e, err := db.WebhookEvent(ctx, events[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID != events[2].ID || e.Type != support.EventMessage || e.CustomerID != ann.ID || e.Sequence != 3 ||
			e.PublicSequence != 2 || !e.CreatedAt.Equal(at(2).Truncate(time.Microsecond)) {
			t.Errorf("WebhookEvent %+v", e)
		}
		if _, err := db.WebhookEvent(ctx, events[2].ID+1000); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("missing event: %v", err)
		}
		between, err := db.WebhookEventsBetween(ctx, at(1), at(3), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(between) != 2 || between[0].ID != events[1].ID || between[1].ID != events[2].ID ||
			between[0].Sequence != 2 || between[0].PublicSequence != 1 || !between[0].Internal || between[1].Sequence != 3 {
			t.Fatalf("between minutes 1 and 3: %+v", between)
		}
		if one, err := db.WebhookEventsBetween(ctx, at(1), at(3), 1); err != nil || len(one) != 1 || one[0].ID != events[1].ID {
			t.Fatalf("limit 1: %+v, %v", one, err)
		}
		if none, err := db.WebhookEventsBetween(ctx, at(10), at(20), 10); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("empty range: %#v, %v", none, err)
		}
	})
}

// Attempts read back as recorded, newest first, in keyset pages, for one
// event or all; an endpoint's deletion deletes its attempts.
func TestWebhookAttempts(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e1, e2 := mustWebhook(t, db, true), mustWebhook(t, db, true)
		var recorded []support.WebhookAttempt // e1's, oldest first
		for i, ev := range []int64{7, 8, 7, 8, 7} {
			a := &support.WebhookAttempt{EndpointID: e1.ID, EventID: ev, MessageID: "msg_" + string(rune('a'+ev)),
				Attempt: i/2 + 1, Trigger: support.WebhookTriggerEvent, Succeeded: i == 4, StatusCode: 500 - 300*(i/4),
				Error: "", Duration: 1234567891 * time.Nanosecond, ResponseExcerpt: "nope", CreatedAt: t0.Add(time.Duration(i) * time.Second)}
			if i == 1 {
				a.StatusCode, a.Error, a.Trigger, a.CreatedAt = 0, "dial tcp: refused", support.WebhookTriggerRedelivery, time.Time{}
			}
			if err := db.RecordWebhookAttempt(ctx, a); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 || a.Duration != 1234567*time.Microsecond || a.CreatedAt.IsZero() || a.CreatedAt.Location() != time.UTC {
				t.Fatalf("recorded %+v", a)
			}
			recorded = append(recorded, *a)
		}
		other := &support.WebhookAttempt{EndpointID: e2.ID, EventID: 7, MessageID: "m", Attempt: 1, Trigger: support.WebhookTriggerReplay, CreatedAt: t0}
		if err := db.RecordWebhookAttempt(ctx, other); err != nil {
			t.Fatal(err)
		}
		list := func(f support.WebhookAttemptFilter) []support.WebhookAttempt {
			t.Helper()
			got, err := db.ListWebhookAttempts(ctx, f)
			if err != nil || got == nil {
				t.Fatalf("ListWebhookAttempts(%+v): %v, %v", f, got, err)
			}
			return got
		}
		newest := slices.Clone(recorded)
		slices.Reverse(newest)
		if got := list(support.WebhookAttemptFilter{EndpointID: e1.ID, Limit: 10}); !reflect.DeepEqual(got, newest) {
			t.Fatalf("listed\n%+v\nwant\n%+v", got, newest)
		}
		page := list(support.WebhookAttemptFilter{EndpointID: e1.ID, Limit: 2, Before: newest[1].ID})
		if !reflect.DeepEqual(page, newest[2:4]) {
			t.Fatalf("page before %d: %+v", newest[1].ID, page)
		}
		var ofEvent []int64
		for _, a := range list(support.WebhookAttemptFilter{EndpointID: e1.ID, EventID: 7, Limit: 10}) {
			ofEvent = append(ofEvent, a.ID)
		}
		if want := []int64{recorded[4].ID, recorded[2].ID, recorded[0].ID}; !slices.Equal(ofEvent, want) {
			t.Fatalf("event 7's attempts %v, want %v", ofEvent, want)
		}
		if got := list(support.WebhookAttemptFilter{EndpointID: e1.ID, EventID: 7, Before: recorded[2].ID, Limit: 10}); len(got) != 1 || got[0].ID != recorded[0].ID {
			t.Fatalf("event 7 before %d: %+v", recorded[2].ID, got)
		}
		if got := list(support.WebhookAttemptFilter{EndpointID: e2.ID, Limit: 10}); len(got) != 1 || got[0].ID != other.ID || got[0].Trigger != support.WebhookTriggerReplay {
			t.Fatalf("e2's attempts %+v", got)
		}
		gone := &support.WebhookAttempt{EndpointID: uuid.NewString(), EventID: 7, MessageID: "m", Attempt: 1, Trigger: support.WebhookTriggerEvent}
		if err := db.RecordWebhookAttempt(ctx, gone); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("attempt at a missing endpoint: %v", err)
		}
		if err := db.DeleteWebhookEndpoint(ctx, e1.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(support.WebhookAttemptFilter{EndpointID: e1.ID, Limit: 10}); len(got) != 0 {
			t.Fatalf("a deleted endpoint's attempts: %+v", got)
		}
	})
}

// The failing-since time is set by the first failure and kept by the next
// ones, cleared by a success, and shows on the endpoint.
func TestWebhookFailingAndHealthy(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := mustWebhook(t, db, true)
		failing := func(at time.Time, want time.Time) {
			t.Helper()
			got, err := db.MarkWebhookFailing(ctx, e.ID, at)
			if err != nil || !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("MarkWebhookFailing(%v) = %v, %v; want %v", at, got, err, want)
			}
			if read, _ := db.WebhookEndpointByID(ctx, e.ID); !read.FailingSince.Equal(want) {
				t.Fatalf("endpoint failing since %v, want %v", read.FailingSince, want)
			}
		}
		first := t0.Add(time.Hour)
		failing(first, first.Truncate(time.Microsecond))
		failing(first.Add(time.Minute), first.Truncate(time.Microsecond))
		for range 2 { // the second time writes nothing
			if err := db.MarkWebhookHealthy(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			if read, _ := db.WebhookEndpointByID(ctx, e.ID); !read.FailingSince.IsZero() {
				t.Fatalf("healthy endpoint failing since %v", read.FailingSince)
			}
		}
		failing(first.Add(2*time.Minute), first.Add(2*time.Minute).Truncate(time.Microsecond))
		missing := uuid.NewString()
		if _, err := db.MarkWebhookFailing(ctx, missing, first); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("failing missing endpoint: %v", err)
		}
		if err := db.MarkWebhookHealthy(ctx, missing); err != nil {
			t.Fatalf("healthy missing endpoint: %v", err)
		}
	})
}

// The prune deletes attempts older than the cutoff, in batches.
func TestPruneWebhookAttempts(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := mustWebhook(t, db, true)
		var ids []int64
		for i := range 5 {
			a := &support.WebhookAttempt{EndpointID: e.ID, EventID: 1, MessageID: "m", Attempt: i + 1,
				Trigger: support.WebhookTriggerEvent, CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
			if err := db.RecordWebhookAttempt(ctx, a); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		cutoff := t0.Add(3 * time.Minute)
		if n, err := db.PruneWebhookAttempts(ctx, cutoff, 2); n != 3 || err != nil {
			t.Fatalf("pruned %d, %v; want 3", n, err)
		}
		if n, err := db.PruneWebhookAttempts(ctx, cutoff, 2); n != 0 || err != nil {
			t.Fatalf("pruned again %d, %v", n, err)
		}
		left, err := db.ListWebhookAttempts(ctx, support.WebhookAttemptFilter{EndpointID: e.ID, Limit: 10})
		if err != nil || len(left) != 2 || left[0].ID != ids[4] || left[1].ID != ids[3] {
			t.Fatalf("left %+v, %v", left, err)
		}
	})
}
