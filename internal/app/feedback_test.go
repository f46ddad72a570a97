package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/support"
)

type feedbackJSON struct {
	MessageID string    `json:"message_id"`
	UserID    string    `json:"user_id"`
	Helpful   bool      `json:"helpful"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type unansweredGroupJSON struct {
	Terms    []string       `json:"terms"`
	Count    int            `json:"count"`
	Reasons  map[string]int `json:"reasons"`
	Examples []struct {
		TicketID  string    `json:"ticket_id"`
		MessageID string    `json:"message_id"`
		Question  string    `json:"question"`
		Language  string    `json:"language"`
		Reason    string    `json:"reason"`
		Comment   string    `json:"comment"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"examples"`
}

// storeAIMessage writes a finished AI reply and its message on a ticket
// through the store, with how it stood on the knowledge base: faster and more
// predictable than asking the assistant.
func storeAIMessage(t *testing.T, in *instance, ticketID, grounding, question string, at time.Time) string {
	t.Helper()
	ctx, db := t.Context(), in.app.DB
	r := &support.AIReply{InstanceID: "test", TicketID: ticketID, CreatedAt: at}
	if err := db.StartReply(ctx, r, support.ReplyQuota{}); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Content, r.ChunkEnds, r.FinishedAt = support.ReplyCompleted, "An answer.", []int{10}, at
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

func feedbackPath(messageID string) string { return "/messages/" + messageID + "/feedback" }

func TestFeedbackOnAIMessages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, other, agent := in.newUser(), in.newUser(), in.newStaff(support.RoleAgent)
		tk := in.createTicket(customer.Token, "Invoices", "How do I export invoices?")
		aiMsg := storeAIMessage(t, in, tk.ID, "grounded", "How do I export invoices?", time.Now().Add(-time.Minute))
		path := feedbackPath(aiMsg)

		var first feedbackJSON
		t.Run("customer rates own AI message, then rates again", func(t *testing.T) {
			r := in.call(http.MethodPut, path, customer.Token, map[string]any{"helpful": true, "comment": "  clear  "})
			expect(t, r, http.StatusOK)
			r.json(t, &first)
			if !first.Helpful || first.Comment != "clear" || first.MessageID != aiMsg || first.UserID != customer.ID {
				t.Fatalf("rating %+v", first)
			}
			r = in.call(http.MethodPut, path, customer.Token, map[string]any{"helpful": false})
			expect(t, r, http.StatusOK)
			var again feedbackJSON
			r.json(t, &again)
			if again.Helpful || again.Comment != "" || !again.CreatedAt.Equal(first.CreatedAt) || again.UpdatedAt.Before(first.UpdatedAt) {
				t.Fatalf("re-rating %+v after %+v", again, first)
			}
		})
		t.Run("another customer cannot tell the message exists", func(t *testing.T) {
			missing := in.call(http.MethodPut, feedbackPath(uuid.NewString()), other.Token, map[string]any{"helpful": true})
			expect(t, missing, http.StatusNotFound)
			hidden := in.call(http.MethodPut, path, other.Token, map[string]any{"helpful": true})
			expect(t, hidden, http.StatusNotFound)
			if hidden.detail(t) != missing.detail(t) {
				t.Fatalf("hidden %q, missing %q", hidden.detail(t), missing.detail(t))
			}
			expect(t, in.call(http.MethodDelete, path, other.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodPut, feedbackPath("not-a-uuid"), other.Token, map[string]any{"helpful": true}), http.StatusNotFound)
		})
		t.Run("agent rates any AI message", func(t *testing.T) {
			expect(t, in.call(http.MethodPut, path, agent.Token, map[string]any{"helpful": true}), http.StatusOK)
		})
		t.Run("only AI messages", func(t *testing.T) {
			r := in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "Still stuck"})
			expect(t, r, http.StatusCreated)
			var m messageJSON
			r.json(t, &m)
			r = in.call(http.MethodPut, feedbackPath(m.ID), customer.Token, map[string]any{"helpful": true})
			expect(t, r, http.StatusUnprocessableEntity)
			if d := r.detail(t); !strings.Contains(d, "assistant") {
				t.Fatalf("detail %q", d)
			}
		})
		t.Run("comment limits", func(t *testing.T) {
			for comment, status := range map[string]int{
				strings.Repeat("é", support.MaxFeedbackComment):   http.StatusOK,
				strings.Repeat("a", support.MaxFeedbackComment+1): http.StatusUnprocessableEntity,
				"before\x00after": http.StatusUnprocessableEntity,
			} {
				r := in.call(http.MethodPut, path, customer.Token, map[string]any{"helpful": false, "comment": comment})
				expect(t, r, status)
			}
			expect(t, in.call(http.MethodPut, path, customer.Token, map[string]any{"comment": "no helpful"}), http.StatusUnprocessableEntity)
		})
		t.Run("delete", func(t *testing.T) {
			expect(t, in.call(http.MethodDelete, path, customer.Token, nil), http.StatusNoContent)
			expect(t, in.call(http.MethodDelete, path, customer.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodDelete, path, agent.Token, nil), http.StatusNoContent) // the agent's own rating was untouched
		})
	})
}

func TestUnansweredQuestions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, agent, admin := in.newUser(), in.newStaff(support.RoleAgent), in.newStaff(support.RoleAdmin)
		expect(t, in.call(http.MethodGet, "/ai/unanswered", customer.Token, nil), http.StatusForbidden)

		now := time.Now()
		tk := in.createTicket(customer.Token, "Questions", "Several")
		storeAIMessage(t, in, tk.ID, "declined", "How do I export invoices to CSV?", now.Add(-time.Hour))
		storeAIMessage(t, in, tk.ID, "ungrounded", "Export invoices as a spreadsheet", now.Add(-2*time.Hour))
		rated := storeAIMessage(t, in, tk.ID, "grounded", "Can I export invoices monthly?", now.Add(-3*time.Hour))
		storeAIMessage(t, in, tk.ID, "grounded", "Answered well", now.Add(-3*time.Hour))
		storeAIMessage(t, in, tk.ID, "declined", "Rename my workspace", now.Add(-4*time.Hour))
		storeAIMessage(t, in, tk.ID, "declined", "Export invoices from last year", now.Add(-40*24*time.Hour))
		expect(t, in.call(http.MethodPut, feedbackPath(rated), customer.Token,
			map[string]any{"helpful": false, "comment": "Only yearly?"}), http.StatusOK)

		list := func(token string, q url.Values, status int) []unansweredGroupJSON {
			t.Helper()
			r := in.call(http.MethodGet, "/ai/unanswered?"+q.Encode(), token, nil)
			expect(t, r, status)
			var groups []unansweredGroupJSON
			if status == http.StatusOK {
				r.json(t, &groups)
			}
			return groups
		}
		t.Run("grouped by topic, last 30 days", func(t *testing.T) {
			groups := list(agent.Token, nil, http.StatusOK)
			if len(groups) != 2 {
				t.Fatalf("groups %+v", groups)
			}
			g := groups[0]
			if strings.Join(g.Terms, " ") != "export invoices" || g.Count != 3 ||
				g.Reasons["declined"] != 1 || g.Reasons["ungrounded"] != 1 || g.Reasons["unhelpful"] != 1 || len(g.Examples) != 3 {
				t.Fatalf("first group %+v", g)
			}
			// The newest example: its rating is a moment old.
			if e := g.Examples[0]; e.MessageID != rated || e.Reason != "unhelpful" || e.Comment != "Only yearly?" ||
				e.TicketID != tk.ID || e.Language != "en" {
				t.Fatalf("rated example %+v", e)
			}
			if g := groups[1]; strings.Join(g.Terms, " ") != "rename workspace" || g.Count != 1 || g.Reasons["declined"] != 1 {
				t.Fatalf("second group %+v", g)
			}
		})
		t.Run("since", func(t *testing.T) {
			groups := list(admin.Token, url.Values{"since": {now.Add(-50 * 24 * time.Hour).Format(time.RFC3339)}}, http.StatusOK)
			if len(groups) != 2 || groups[0].Count != 4 || groups[0].Reasons["declined"] != 2 {
				t.Fatalf("groups since 50 days %+v", groups)
			}
			if groups := list(agent.Token, url.Values{"since": {now.Add(time.Minute).Format(time.RFC3339)}}, http.StatusOK); len(groups) != 0 {
				t.Fatalf("groups from the future %+v", groups)
			}
			list(agent.Token, url.Values{"since": {"yesterday"}}, http.StatusUnprocessableEntity)
		})
		t.Run("limit", func(t *testing.T) {
			if groups := list(agent.Token, url.Values{"limit": {"1"}}, http.StatusOK); len(groups) != 1 || groups[0].Count != 3 {
				t.Fatalf("limit 1: %+v", groups)
			}
			if groups := list(agent.Token, url.Values{"limit": {"1000"}}, http.StatusOK); len(groups) != 2 {
				t.Fatalf("limit 1000 (treated as 100): %+v", groups)
			}
			list(agent.Token, url.Values{"limit": {"-1"}}, http.StatusUnprocessableEntity)
		})
	})
}

// mxFeedbackRows are the role-by-endpoint matrix rows of the feedback routes,
// for mxRows to append. Each cell rates an AI message of its own, on a fresh
// ticket of the customer's.
func mxFeedbackRows() []mxRow {
	aiMessage := func(c *mxCell) string {
		return storeAIMessage(c.t, c.in, c.freshTicket(), "declined", "Matrix question", time.Now())
	}
	return []mxRow{
		{method: "PUT", path: "/messages/{id}/feedback", op: "rate-message", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as(feedbackPath(aiMessage(c)), map[string]any{"helpful": false}) }},
		// Each caller first rates the message (which fails where the rating's removal does).
		{method: "DELETE", path: "/messages/{id}/feedback", op: "unrate-message", want: [mxCallers]int{s401, s204, s404, s204, s204, s401},
			req: func(c *mxCell) mxRequest {
				path := feedbackPath(aiMessage(c))
				c.in.call(http.MethodPut, path, c.token(), map[string]any{"helpful": true})
				return c.as(path, nil)
			}},
		{method: "GET", path: "/ai/unanswered", op: "list-unanswered", want: [mxCallers]int{s401, s403, s403, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/ai/unanswered", nil) }},
	}
}
