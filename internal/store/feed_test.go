package store_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// settled waits until the feed after head shows n events: on PostgreSQL a
// transaction still running elsewhere in the cluster (another test's) holds
// back events committed after it began, for as long as it runs.
func settled(t *testing.T, db *store.DB, head support.FeedCursor, n int) []int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ids := feedIDs(t, db, support.FeedFilter{After: head, IncludeInternal: true})
		if len(ids) >= n || time.Now().After(deadline) {
			return ids
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func feedIDs(t *testing.T, db *store.DB, f support.FeedFilter) []int64 {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	events, err := db.Feed(t.Context(), f)
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	ids := []int64{}
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	return ids
}

// TestFeed: the feed lists every ticket's events in order from a cursor, up to
// a bound, for one customer, with or without internal events; the head and an
// event's cursor are where reading after them starts.
func TestFeed(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ann, bob := mustUser(t, db), mustUser(t, db)
		head, err := db.FeedHead(ctx)
		if err != nil || head != (support.FeedCursor{}) {
			t.Fatalf("empty feed head %+v, %v", head, err)
		}
		woken := 0
		db.OnEventsCommitted(func() { woken++ })
		a := mustTicket(t, db, ann.ID, time.Time{})
		b := mustTicket(t, db, bob.ID, time.Time{})
		note := &support.Note{TicketID: a.ID, AuthorID: bob.ID, Content: "internal"}
		if err := db.AddNote(ctx, note); err != nil {
			t.Fatal(err)
		}
		msg := &support.Message{ID: uuid.NewString(), TicketID: a.ID, AuthorID: ann.ID, Sender: support.SenderUser, Content: "hi"}
		if err := db.AddMessage(ctx, msg); err != nil {
			t.Fatal(err)
		}
		if woken != 4 {
			t.Errorf("woken %d times for 4 commits with events", woken)
		}
		all := settled(t, db, support.FeedCursor{}, 4)
		if len(all) != 4 || !slices.IsSorted(all) {
			t.Fatalf("feed %v", all)
		}
		events, err := db.Feed(ctx, support.FeedFilter{IncludeInternal: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if e := events[0]; e.TicketID != a.ID || e.CustomerID != ann.ID || e.Type != support.EventCreated || e.Cursor.ID != e.ID {
			t.Errorf("first event %+v", e)
		}
		if e := events[2]; e.Type != support.EventNote || !e.Internal {
			t.Errorf("third event %+v", e)
		}
		if got := feedIDs(t, db, support.FeedFilter{CustomerID: ann.ID}); !slices.Equal(got, []int64{all[0], all[3]}) {
			t.Errorf("ann's public events %v of %v", got, all)
		}
		second, err := db.FeedCursorOf(ctx, all[1])
		if err != nil {
			t.Fatal(err)
		}
		third := events[2].Cursor
		if got := feedIDs(t, db, support.FeedFilter{After: second, Until: third, HasUntil: true, IncludeInternal: true}); !slices.Equal(got, all[2:3]) {
			t.Errorf("after the second up to the third: %v of %v", got, all)
		}
		head, err = db.FeedHead(ctx)
		if err != nil || head != events[3].Cursor {
			t.Errorf("head %+v, want %+v (%v)", head, events[3].Cursor, err)
		}
		if got := feedIDs(t, db, support.FeedFilter{After: head, IncludeInternal: true}); len(got) != 0 {
			t.Errorf("after the head: %v", got)
		}
		if _, err := db.FeedCursorOf(ctx, all[3]+1000); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("cursor of no event: %v", err)
		}
		_ = b
	})
}

// TestFeedWaitsForLateCommits: on PostgreSQL an event whose transaction began
// first but commits last has the smaller id; the feed holds back every later
// event until it commits, so a reader after a cursor never skips it.
func TestFeedWaitsForLateCommits(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Engine() != "postgres" {
			t.Skip("SQLite's writers take turns: ids are taken in commit order")
		}
		ctx := t.Context()
		ann := mustUser(t, db)
		tk := mustTicket(t, db, ann.ID, time.Time{})
		created := settled(t, db, support.FeedCursor{}, 1)
		head, err := db.FeedCursorOf(ctx, created[0])
		if err != nil {
			t.Fatal(err)
		}
		insert := `INSERT INTO ticket_events (ticket_id, type, internal, created_at) VALUES ($1, 'status', false, now()) RETURNING id`
		slow, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Rollback() //nolint:errcheck
		var early int64
		if err := slow.QueryRowContext(ctx, insert, tk.ID).Scan(&early); err != nil {
			t.Fatal(err)
		}
		var late int64
		if err := db.SQL().QueryRowContext(ctx, insert, tk.ID).Scan(&late); err != nil {
			t.Fatal(err)
		}
		if late < early {
			t.Fatalf("ids %d then %d", early, late)
		}
		if got := feedIDs(t, db, support.FeedFilter{After: head}); len(got) != 0 {
			t.Fatalf("the feed shows %v while an older transaction runs", got)
		}
		if err := slow.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := settled(t, db, head, 2); !slices.Equal(got, []int64{early, late}) {
			t.Fatalf("after both commits: %v, want [%d %d]", got, early, late)
		}
	})
}

// TestLiveTokens: a live token is used once, before it expires.
func TestLiveTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := mustUser(t, db)
		now := time.Now()
		if err := db.CreateLiveToken(ctx, "h1", ann.ID, 3, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateLiveToken(ctx, "h2", ann.ID, 3, now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if id, v, err := db.ConsumeLiveToken(ctx, "h1", now); err != nil || id != ann.ID || v != 3 {
			t.Fatalf("consume: %q %d %v", id, v, err)
		}
		for _, h := range []string{"h1", "h2", "nope"} {
			if _, _, err := db.ConsumeLiveToken(ctx, h, now); !errors.Is(err, support.ErrNotFound) {
				t.Errorf("consume %s again: %v", h, err)
			}
		}
	})
}

// TestListenHearsNotifications: on PostgreSQL, Listen calls onFeed once it
// listens and for each NotifyFeed, and onAccount with the user of each
// NotifyAccountChanged, from any connection.
func TestListenHearsNotifications(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		if db.Engine() != "postgres" {
			t.Skip("SQLite serves one instance, told in process")
		}
		ctx, cancel := context.WithCancel(t.Context())
		feed, accounts := make(chan struct{}, 10), make(chan string, 10)
		done := make(chan struct{})
		go func() {
			defer close(done)
			db.Listen(ctx, func() { feed <- struct{}{} }, func(id string) { accounts <- id }, slog.New(slog.DiscardHandler))
		}()
		defer func() { cancel(); <-done }()
		wait := func(what string) {
			t.Helper()
			select {
			case <-feed:
			case <-time.After(10 * time.Second):
				t.Fatalf("no feed call: %s", what)
			}
		}
		wait("listening")
		if err := db.NotifyFeed(ctx); err != nil {
			t.Fatal(err)
		}
		wait("after NotifyFeed")
		if err := db.NotifyAccountChanged(ctx, "user-1"); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-accounts:
			if id != "user-1" {
				t.Fatalf("account %q", id)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no account call")
		}
	})
}
