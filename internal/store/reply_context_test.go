package store_test

import (
	"context"
	"errors"
	"fmt"
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
		if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}
		// An AI message joins its reply's accounting: those columns must scan too.
		r.Status, r.Content, r.ChunkEnds, r.FinishedAt = support.ReplyCompleted, "Try again", []int{9}, r.CreatedAt.Add(time.Second)
		r.Meta = support.AIMeta{Provider: "groq", Model: "m", PromptTokens: 3, CompletionTokens: 2,
			TimeToFirstToken: time.Millisecond, TotalTime: time.Second, Citations: []support.Citation{{ArticleID: "a", Title: "T"}}}
		ai := &support.Message{ID: r.ID, TicketID: tk.ID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
		if err := db.FinishReply(ctx, r, ai, 0); err != nil {
			t.Fatal(err)
		}

		// Someone else's reply counts in the global budget only.
		other := mustUser(t, db)
		theirs := &support.AIReply{InstanceID: "a", TicketID: mustTicket(t, db, other.ID, t0).ID, RequestedBy: other.ID,
			CreatedAt: t0.Add(2 * time.Minute)}
		if err := db.StartReply(ctx, theirs, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}

		rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: t0, PerUser: 5, Global: 10})
		if err != nil {
			t.Fatal(err)
		}
		wantUser, _ := db.UserByID(ctx, u.ID)
		wantTicket, _ := db.TicketByID(ctx, tk.ID)
		wantThread, _ := db.Messages(ctx, tk.ID)
		for i := range wantThread {
			wantThread[i].AI = nil // prompts do not need the accounting, and the thread comes without it
		}
		if !reflect.DeepEqual(rc.User, wantUser) || !reflect.DeepEqual(rc.Ticket, wantTicket) {
			t.Fatalf("user %+v ticket %+v; want %+v and %+v", rc.User, rc.Ticket, wantUser, wantTicket)
		}
		if !reflect.DeepEqual(rc.Thread, wantThread) || len(rc.Thread) != 4 || rc.Thread[3].Content != "Try again" {
			t.Fatalf("thread %+v; want %+v", rc.Thread, wantThread)
		}
		if rc.RecentReplies != 1 || !rc.OldestRecent.Equal(r.CreatedAt) {
			t.Fatalf("recent replies %d, oldest %v; want 1 at %v", rc.RecentReplies, rc.OldestRecent, r.CreatedAt)
		}
		if rc.GlobalReplies != 2 || !rc.GlobalOldest.Equal(r.CreatedAt) {
			t.Fatalf("all replies %d, oldest %v; want 2 from %v", rc.GlobalReplies, rc.GlobalOldest, r.CreatedAt)
		}
		// The global count stops at the budget; without one it is not taken.
		if rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: t0, Global: 1}); err != nil || rc.GlobalReplies != 1 {
			t.Fatalf("global count capped at 1: %+v, %v", rc, err)
		}
		if rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: t0}); err != nil || rc.GlobalReplies != 0 {
			t.Fatalf("no global budget: %+v, %v", rc, err)
		}
		if rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: theirs.CreatedAt.Add(time.Second), Global: 10}); err != nil ||
			rc.RecentReplies != 0 || !rc.OldestRecent.IsZero() || rc.GlobalReplies != 0 || !rc.GlobalOldest.IsZero() {
			t.Fatalf("no reply since: %+v, %v", rc, err)
		}
		// The thread bound: full at exactly as many messages as it holds.
		n := len(rc0Thread(t, db, u.ID, tk.ID))
		for limit, full := range map[int]bool{n: true, n + 1: false} {
			rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: t0, MaxMessages: limit})
			if err != nil || rc.ThreadFull != full {
				t.Fatalf("thread of %d with bound %d: full %v (%v), want %v", n, limit, rc.ThreadFull, err, full)
			}
		}
	})
}

// rc0Thread is the ticket's thread as LoadReplyContext reads it without bounds.
func rc0Thread(t *testing.T, db *store.DB, userID, ticketID string) []support.Message {
	t.Helper()
	rc, err := db.LoadReplyContext(t.Context(), userID, ticketID, support.ReplyQuota{Since: t0})
	if err != nil || len(rc.Thread) == 0 {
		t.Fatalf("thread: %+v, %v", rc, err)
	}
	return rc.Thread
}

// A long thread is never read whole for a reply: only its newest ThreadTail
// messages, oldest first.
func TestLoadReplyContextReadsTheThreadTail(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		total := support.ThreadTail + 5
		for i := range total {
			m := &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser,
				Content: fmt.Sprintf("message %d", i), CreatedAt: t0.Add(time.Duration(i+1) * time.Second)}
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		rc, err := db.LoadReplyContext(ctx, u.ID, tk.ID, support.ReplyQuota{Since: t0})
		if err != nil {
			t.Fatal(err)
		}
		if len(rc.Thread) != support.ThreadTail || rc.Thread[0].Content != "message 5" ||
			rc.Thread[len(rc.Thread)-1].Content != fmt.Sprintf("message %d", total-1) {
			t.Fatalf("thread of %d messages from %q to %q", len(rc.Thread), rc.Thread[0].Content, rc.Thread[len(rc.Thread)-1].Content)
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
			rc, err := db.LoadReplyContext(ctx, c.user, c.ticket, support.ReplyQuota{Since: t0})
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
		if _, err := db.LoadReplyContext(ctx, u.ID, u.ID, support.ReplyQuota{Since: t0}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
		if rc, err := db.LoadReplyContext(t.Context(), u.ID, u.ID, support.ReplyQuota{Since: t0}); err != nil || rc.User == nil {
			t.Fatalf("after a cancelled load: %+v, %v", rc, err)
		}
	})
}
