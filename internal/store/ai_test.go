package store_test

import (
	"errors"
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
		if err := db.StartReply(ctx, r); err != nil {
			t.Fatal(err)
		}
		second := &support.AIReply{InstanceID: "b", TicketID: tk.ID, RequestedBy: u.ID}
		if err := db.StartReply(ctx, second); !errors.Is(err, store.ErrReplyInProgress) {
			t.Fatalf("second streaming reply on one ticket: %v", err)
		}
		r.Status, r.Content, r.ChunkEnds = support.ReplyCompleted, "Hello world", []int{6, 11}
		r.Meta = support.AIMeta{Provider: "groq", Model: "m", PromptTokens: 3, CompletionTokens: 2,
			TimeToFirstToken: 12 * time.Millisecond, TotalTime: 40 * time.Millisecond,
			Citations: []support.Citation{{ArticleID: "art", Title: "Refunds"}}}
		r.FinishedAt = t0.Add(time.Second)
		msg := &support.Message{ID: r.ID, TicketID: tk.ID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
		if err := db.FinishReply(ctx, r, msg); err != nil {
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
		if err := db.StartReply(ctx, second); err != nil {
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
			if err := db.StartReply(ctx, r); err != nil {
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
