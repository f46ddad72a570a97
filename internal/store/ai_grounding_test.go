package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// A finished reply keeps its grounding, question and language, read back by
// ReplyByID and LatestReply; the schema refuses a grounding it does not know.
func TestFinishReplyRecordsGrounding(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		question := strings.Repeat("ü", support.MaxQuestionRunes)
		for _, g := range []support.ReplyGrounding{support.GroundingGrounded, support.GroundingUngrounded,
			support.GroundingDeclined, support.GroundingNone} {
			tk := mustTicket(t, db, u.ID, time.Time{})
			r := finishedReply(t, db, tk.ID, u.ID, g, question)
			got, err := db.LatestReply(ctx, tk.ID)
			if err != nil || got.Meta.Grounding != g || got.Question != question || got.Language != "de" {
				t.Fatalf("%q: latest reply grounding %q language %q question of %d bytes, err %v",
					g, got.Meta.Grounding, got.Language, len(got.Question), err)
			}
			if byID, err := db.ReplyByID(ctx, r.ID); err != nil || byID.Meta.Grounding != g {
				t.Fatalf("%q: reply by id %+v, err %v", g, byID, err)
			}
		}
		tk := mustTicket(t, db, u.ID, time.Time{})
		r := &support.AIReply{InstanceID: "a", TicketID: tk.ID, RequestedBy: u.ID, CreatedAt: t0}
		if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
			t.Fatal(err)
		}
		r.Status, r.Content, r.FinishedAt = support.ReplyCompleted, "hi", t0.Add(time.Second)
		r.Meta.Grounding = "maybe"
		if err := db.FinishReply(ctx, r, nil, 0); err == nil {
			t.Fatal("stored an unknown grounding")
		}
	})
}

func finishedReply(t *testing.T, db *store.DB, ticketID, userID string, g support.ReplyGrounding, question string) *support.AIReply {
	t.Helper()
	r := &support.AIReply{InstanceID: "a", TicketID: ticketID, RequestedBy: userID, CreatedAt: t0}
	if err := db.StartReply(t.Context(), r, support.ReplyQuota{}); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Content, r.FinishedAt = support.ReplyCompleted, "Hallo", t0.Add(time.Second)
	r.Meta = support.AIMeta{Provider: "groq", Model: "m", Grounding: g}
	r.Question, r.Language = question, "de"
	msg := &support.Message{ID: r.ID, TicketID: ticketID, Sender: support.SenderAI, Content: r.Content, CreatedAt: r.FinishedAt}
	if err := db.FinishReply(t.Context(), r, msg, 0); err != nil {
		t.Fatal(err)
	}
	return r
}
