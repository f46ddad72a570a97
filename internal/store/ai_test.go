package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

func TestReplyLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, time.Time{})
		r := &support.AIReply{InstanceID: "a", TicketID: tk.ID, RequestedBy: u.ID, CreatedAt: t0}
		if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}
		second := &support.AIReply{InstanceID: "b", TicketID: tk.ID, RequestedBy: u.ID}
		if err := db.StartReply(ctx, second, support.ReplyQuota{}); !errors.Is(err, store.ErrReplyInProgress) {
			t.Fatalf("second streaming reply on one ticket: %v", err)
		}
		r.Status, r.Content, r.ChunkEnds = support.ReplyCompleted, "Hello world", []int{6, 11}
		r.Meta = support.AIMeta{Provider: "groq", Model: "m", PromptTokens: 3, CompletionTokens: 2,
			TimeToFirstToken: 12 * time.Millisecond, TotalTime: 40 * time.Millisecond,
			Citations: []support.Citation{{ArticleID: "art", Title: "Refunds"}}}
		r.FinishedAt = t0.Add(time.Second)
		msg := &support.Message{ID: r.ID, TicketID: tk.ID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
		if err := db.FinishReply(ctx, r, msg, 0); err != nil {
			t.Fatal(err)
		}
		got, err := db.LatestReply(ctx, tk.ID)
		if err != nil || got.Status != support.ReplyCompleted || got.Content != "Hello world" || len(got.ChunkEnds) != 2 ||
			got.Meta.Citations[0].Title != "Refunds" || got.Meta.TimeToFirstToken != 12*time.Millisecond {
			t.Fatalf("latest reply %+v %v", got, err)
		}
		msgs, _ := db.Messages(ctx, tk.ID)
		if len(msgs) != 1 || msgs[0].AI == nil || msgs[0].AI.Provider != "groq" || msgs[0].AI.Citations[0].ArticleID != "art" {
			t.Fatalf("AI message %+v", msgs)
		}
		if n, oldest, err := db.CountRepliesSince(ctx, u.ID, t0.Add(-time.Minute)); err != nil || n != 1 || !oldest.Equal(r.CreatedAt) {
			t.Fatalf("count %d oldest %v err %v", n, oldest, err)
		}
		// The ticket is free for the next reply now.
		if err := db.StartReply(ctx, second, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHeartbeatKeepsRepliesAliveAndReaperFailsTheRest(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		alive := &support.AIReply{InstanceID: "alive", TicketID: mustTicket(t, db, u.ID, time.Time{}).ID, CreatedAt: t0}
		dead := &support.AIReply{InstanceID: "dead", TicketID: mustTicket(t, db, u.ID, time.Time{}).ID, CreatedAt: t0}
		for _, r := range []*support.AIReply{alive, dead} {
			if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Minute)
		if err := db.Heartbeat(ctx, "alive", now); err != nil {
			t.Fatal(err)
		}
		n, err := db.FailStaleReplies(ctx, now.Add(-15*time.Second), now)
		if err != nil || n != 1 {
			t.Fatalf("reaped %d, err %v", n, err)
		}
		for r, want := range map[*support.AIReply]support.ReplyStatus{alive: support.ReplyStreaming, dead: support.ReplyFailed} {
			got, _ := db.ReplyByID(ctx, r.ID)
			if got.Status != want || (want == support.ReplyFailed && (got.Error == "" || got.FinishedAt.IsZero())) {
				t.Errorf("%s: %+v", r.InstanceID, got)
			}
		}
	})
}

func TestStreamTokensAreSingleUse(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, time.Time{})
		if err := db.CreateStreamToken(ctx, "h1", u.ID, tk.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateStreamToken(ctx, "h2", u.ID, tk.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if uid, tid, err := db.ConsumeStreamToken(ctx, "h1", t0); err != nil || uid != u.ID || tid != tk.ID {
			t.Fatalf("consume: %q %q %v", uid, tid, err)
		}
		if _, _, err := db.ConsumeStreamToken(ctx, "h1", t0); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("reuse: %v", err)
		}
		if _, _, err := db.ConsumeStreamToken(ctx, "h2", t0.Add(2*time.Minute)); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("expired: %v", err)
		}
		if _, _, err := db.ConsumeStreamToken(ctx, "unknown", t0); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}

// A quota is checked and taken in one step: a reply is recorded only while the
// user's and everyone's replies since the quota's start are under their limits.
func TestStartReplyWithinQuota(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ada, bob := mustUser(t, db), mustUser(t, db)
		start := func(u *support.User, q support.ReplyQuota) error {
			r := &support.AIReply{InstanceID: "a", TicketID: mustTicket(t, db, u.ID, time.Time{}).ID, RequestedBy: u.ID, CreatedAt: t0}
			return db.StartReply(ctx, r, q)
		}
		perUser := support.ReplyQuota{Since: t0.Add(-time.Hour), PerUser: 2}
		for i, want := range []error{nil, nil, support.ErrReplyQuotaSpent} {
			if err := start(ada, perUser); !errors.Is(err, want) {
				t.Fatalf("ada's reply %d: %v, want %v", i+1, err, want)
			}
		}
		if err := start(bob, perUser); err != nil {
			t.Fatalf("bob has a quota of his own: %v", err)
		}
		// Three replies so far: a global budget of 5 admits two more, from anyone.
		global := support.ReplyQuota{Since: t0.Add(-time.Hour), PerUser: 10, Global: 5}
		for i, want := range []error{nil, nil, support.ErrReplyQuotaSpent} {
			if err := start([]*support.User{ada, bob}[i%2], global); !errors.Is(err, want) {
				t.Fatalf("reply %d under the global budget: %v, want %v", i+4, err, want)
			}
		}
		// Replies before the window do not count.
		if err := start(ada, support.ReplyQuota{Since: t0.Add(time.Second), PerUser: 1, Global: 1}); err != nil {
			t.Fatalf("a new window: %v", err)
		}
	})
}

// Concurrent requests cannot overshoot a quota: of limit+5 replies started at once
// for one user, exactly limit are recorded, on both engines.
func TestStartReplyWithinQuotaConcurrently(t *testing.T) {
	for _, global := range []bool{false, true} {
		t.Run(map[bool]string{false: "per user", true: "global"}[global], func(t *testing.T) {
			eachEngine(t, func(t *testing.T, db *store.DB) {
				const limit = 5
				u := mustUser(t, db)
				q := support.ReplyQuota{Since: t0.Add(-time.Hour), PerUser: limit}
				if global {
					q = support.ReplyQuota{Since: t0.Add(-time.Hour), PerUser: 100, Global: limit}
				}
				replies := make([]*support.AIReply, limit+5)
				for i := range replies {
					replies[i] = &support.AIReply{InstanceID: "a", TicketID: mustTicket(t, db, u.ID, time.Time{}).ID,
						RequestedBy: u.ID, CreatedAt: t0}
				}
				errs := make(chan error, len(replies))
				var wg sync.WaitGroup
				for _, r := range replies {
					wg.Go(func() { errs <- db.StartReply(t.Context(), r, q) })
				}
				wg.Wait()
				close(errs)
				accepted := 0
				for err := range errs {
					switch {
					case err == nil:
						accepted++
					case !errors.Is(err, support.ErrReplyQuotaSpent):
						t.Errorf("unexpected error: %v", err)
					}
				}
				if n, _, _ := db.CountRepliesSince(t.Context(), u.ID, q.Since); accepted != limit || n != limit {
					t.Fatalf("accepted %d, stored %d; want %d", accepted, n, limit)
				}
			})
		})
	}
}

// The reply path's reads stay index lookups however large the tables grow: the
// thread's newest messages, the user's and everyone's replies of the last hour.
func TestAIQueriesUseIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		at := "2026-01-01T00:00:00.000000Z"
		cases := map[string]struct {
			args  []any
			index string
		}{
			"thread-tail":             {[]any{"ticket", support.ThreadTail}, "messages_ticket_created_idx"},
			"count-all-replies-since": {[]any{at, 1000}, "ai_replies_created_idx"},
			"count-replies-since":     {[]any{"user", at}, "ai_replies_requester_idx"},
		}
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if db.Engine() == "postgres" {
			explain = "EXPLAIN "
			for _, set := range []string{"enable_seqscan", "enable_bitmapscan"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, query := range db.AIQueries() {
			c := cases[name]
			if plan := queryPlan(t, conn, explain+query, c.args...); !strings.Contains(plan, c.index) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s does not use %s:\n%s", name, c.index, plan)
			}
		}
	})
}

// TestFinishReplyOnAFullThread: a thread that filled up while the reply was
// generated refuses the AI message and the reply's final state alike; the reply
// can then be stored as failed without a message.
func TestFinishReplyOnAFullThread(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, time.Time{})
		r := &support.AIReply{InstanceID: "a", TicketID: tk.ID, RequestedBy: u.ID, CreatedAt: t0}
		if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"one", "two"} {
			m := &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: c, CreatedAt: t0}
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		r.Status, r.Content, r.FinishedAt = support.ReplyCompleted, "late answer", t0.Add(time.Second)
		msg := &support.Message{ID: r.ID, TicketID: tk.ID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
		err := db.FinishReply(ctx, r, msg, 2)
		if support.ErrorCode(err) != support.CodeInvalid {
			t.Fatalf("finishing on a full thread: %v, want ThreadFull", err)
		}
		if got, _ := db.LatestReply(ctx, tk.ID); got.Status != support.ReplyStreaming {
			t.Fatalf("refused finish changed the reply: %+v", got)
		}
		r.Status, r.Error = support.ReplyFailed, "ticket full"
		if err := db.FinishReply(ctx, r, nil, 0); err != nil {
			t.Fatal(err)
		}
		msgs, _ := db.Messages(ctx, tk.ID)
		if len(msgs) != 2 {
			t.Fatalf("thread holds %d messages, want the 2 it had", len(msgs))
		}
		if got, _ := db.LatestReply(ctx, tk.ID); got.Status != support.ReplyFailed {
			t.Fatalf("reply %+v, want failed", got)
		}
	})
}
