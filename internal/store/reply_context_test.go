package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// LoadReplyContext must read exactly what the separate reads give, on both engines
// (PostgreSQL batches them on one connection, SQLite runs them in turn).
func TestLoadReplyContextMatchesSeparateReads(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		for i, content := range []string{"first", "second", "third"} {
			m := &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: content,
				CreatedAt: t0.Add(time.Duration(i+1) * time.Second)}
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		r := &support.AIReply{InstanceID: "a", TicketID: tk.ID, RequestedBy: u.ID, CreatedAt: t0.Add(time.Minute)}
		if err := db.StartReply(ctx, r); err != nil {
			t.Fatal(err)
		}
		// An AI message joins its reply's accounting: those columns must scan too.
		r.Status, r.Content, r.ChunkEnds, r.FinishedAt = support.ReplyCompleted, "Try again", []int{9}, r.CreatedAt.Add(time.Second)
		r.Meta = support.AIMeta{Provider: "groq", Model: "m", PromptTokens: 3, CompletionTokens: 2,
			TimeToFirstToken: time.Millisecond, TotalTime: time.Second, Citations: []support.Citation{{ArticleID: "a", Title: "T"}}}
		ai := &support.Message{ID: r.ID, TicketID: tk.ID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
		if err := db.FinishReply(ctx, r, ai); err != nil {
			t.Fatal(err)
		}

		rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		wantUser, _ := db.UserByID(ctx, u.ID)
		wantTicket, _ := db.TicketByID(ctx, tk.ID)
		wantThread, _ := db.Messages(ctx, tk.ID)
		if !reflect.DeepEqual(rc.User, wantUser) || !reflect.DeepEqual(rc.Ticket, wantTicket) {
			t.Fatalf("user %+v ticket %+v; want %+v and %+v", rc.User, rc.Ticket, wantUser, wantTicket)
		}
		if !reflect.DeepEqual(rc.Thread, wantThread) || len(rc.Thread) != 4 || rc.Thread[3].AI == nil ||
			rc.Thread[3].AI.Citations[0].Title != "T" {
			t.Fatalf("thread %+v; want %+v", rc.Thread, wantThread)
		}
		if rc.RecentReplies != 1 || !rc.OldestRecent.Equal(r.CreatedAt) {
			t.Fatalf("recent replies %d, oldest %v; want 1 at %v", rc.RecentReplies, rc.OldestRecent, r.CreatedAt)
		}
		if rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, r.CreatedAt.Add(time.Second)); err != nil ||
			rc.RecentReplies != 0 || !rc.OldestRecent.IsZero() {
			t.Fatalf("no reply since: %+v, %v", rc, err)
		}
	})
}

func TestLoadReplyContextMissingRows(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		cases := []struct {
			name, user, ticket   string
			wantUser, wantTicket bool
		}{
			{"no such user", "0195f3a0-0000-7000-8000-000000000000", tk.ID, false, true},
			{"no such ticket", u.ID, "0195f3a0-0000-7000-8000-000000000001", true, false},
			{"neither", "nobody", "nothing", false, false},
		}
		for _, c := range cases {
			rc, err := db.LoadReplyContext(ctx, c.user, c.ticket, t0)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if (rc.User != nil) != c.wantUser || (rc.Ticket != nil) != c.wantTicket || rc.RecentReplies != 0 ||
				len(rc.Thread) != 0 || rc.Thread == nil {
				t.Fatalf("%s: %+v", c.name, rc)
			}
		}
	})
}

// A cancelled context fails the batch with the context's error and leaves the
// pool usable.
func TestLoadReplyContextCancelled(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := db.LoadReplyContext(ctx, u.ID, u.ID, t0); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
		if rc, err := db.LoadReplyContext(t.Context(), u.ID, u.ID, t0); err != nil || rc.User == nil {
			t.Fatalf("after a cancelled load: %+v, %v", rc, err)
		}
	})
}
