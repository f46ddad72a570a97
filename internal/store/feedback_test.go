package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// mustAIMessage stores a completed AI reply with its message at time at, and
// how it stood on the knowledge base (set by hand: grounding is written by the
// assistant's own code).
func mustAIMessage(t *testing.T, db *store.DB, ticketID, grounding, question string, at time.Time) string {
	t.Helper()
	ctx := t.Context()
	r := &support.AIReply{InstanceID: "i", TicketID: ticketID, CreatedAt: at}
	if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Content, r.ChunkEnds, r.FinishedAt = support.ReplyCompleted, "answer", []int{6}, at
	msg := &support.Message{ID: r.ID, TicketID: ticketID, Sender: support.SenderAI, Content: r.Content, CreatedAt: at}
	if err := db.FinishReply(ctx, r, msg, 0); err != nil {
		t.Fatal(err)
	}
	_, err := db.SQL().ExecContext(ctx, "UPDATE ai_replies SET grounding = $1, question = $2, language = 'en' WHERE id = $3",
		grounding, question, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestFeedbackSaveReplaceDelete(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		msgID := mustAIMessage(t, db, tk.ID, "grounded", "How do refunds work?", t0)

		target, err := db.FeedbackTarget(ctx, msgID)
		if err != nil || target.Sender != support.SenderAI || target.TicketID != tk.ID || target.CustomerID != u.ID {
			t.Fatalf("target %+v %v", target, err)
		}
		if _, err := db.FeedbackTarget(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("missing message: %v", err)
		}

		first := &support.Feedback{MessageID: msgID, UserID: u.ID, Helpful: true, Comment: "thanks", UpdatedAt: t0}
		if err := db.SaveFeedback(ctx, first); err != nil || !first.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Fatalf("save: %v, created %v", err, first.CreatedAt)
		}
		later := t0.Add(time.Hour)
		again := &support.Feedback{MessageID: msgID, UserID: u.ID, Helpful: false, Comment: "wrong plan", UpdatedAt: later}
		if err := db.SaveFeedback(ctx, again); err != nil || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("replace: %v, created %v (want the first rating's time)", err, again.CreatedAt)
		}
		items, err := db.UnansweredQuestions(ctx, t0.Add(-time.Hour), 10)
		if err != nil || len(items) != 1 || items[0].Reason != "unhelpful" || items[0].Comment != "wrong plan" ||
			!items[0].CreatedAt.Equal(again.UpdatedAt) || items[0].Question != "How do refunds work?" || items[0].TicketID != tk.ID {
			t.Fatalf("one replaced rating: %+v %v", items, err)
		}

		if err := db.DeleteFeedback(ctx, msgID, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteFeedback(ctx, msgID, u.ID); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := db.SaveFeedback(ctx, &support.Feedback{MessageID: "00000000-0000-0000-0000-000000000000", UserID: u.ID}); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("rating a missing message: %v", err)
		}
	})
}

func TestFeedbackCascades(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		customer, agent := mustUser(t, db), mustUser(t, db)
		tk := mustTicket(t, db, customer.ID, t0)
		msgID := mustAIMessage(t, db, tk.ID, "grounded", "question", t0)
		for _, u := range []string{customer.ID, agent.ID} {
			if err := db.SaveFeedback(ctx, &support.Feedback{MessageID: msgID, UserID: u, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM ai_feedback").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM users WHERE id = $1", agent.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("after deleting the agent: %d ratings, want 1", n)
		}
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM messages WHERE id = $1", msgID); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Fatalf("after deleting the message: %d ratings, want 0", n)
		}
	})
}

func TestFeedbackUnansweredQuestions(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		old := mustAIMessage(t, db, tk.ID, "declined", "old question", t0)
		declined := mustAIMessage(t, db, tk.ID, "declined", "export invoices", t0.Add(time.Minute))
		ungrounded := mustAIMessage(t, db, tk.ID, "ungrounded", "invoice tax", t0.Add(2*time.Minute))
		grounded := mustAIMessage(t, db, tk.ID, "grounded", "fine", t0.Add(3*time.Minute))
		_ = old
		for _, f := range []*support.Feedback{
			{MessageID: grounded, UserID: u.ID, Helpful: false, Comment: "no", UpdatedAt: t0.Add(4 * time.Minute)},
			{MessageID: declined, UserID: u.ID, Helpful: true, UpdatedAt: t0.Add(5 * time.Minute)}, // helpful: not listed
		} {
			if err := db.SaveFeedback(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		items, err := db.UnansweredQuestions(ctx, t0.Add(30*time.Second), 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Reason+":"+it.Question)
		}
		want := "unhelpful:fine,ungrounded:invoice tax,declined:export invoices"
		if strings.Join(got, ",") != want {
			t.Fatalf("got %v, want %s (newest first, since excludes the old one)", got, want)
		}
		if items[1].MessageID != ungrounded || items[1].Language != "en" {
			t.Fatalf("ungrounded item %+v", items[1])
		}
		capped, err := db.UnansweredQuestions(ctx, t0.Add(-time.Hour), 2)
		if err != nil || len(capped) != 2 || capped[0].Question != "fine" {
			t.Fatalf("limit 2: %+v %v", capped, err)
		}
	})
}
