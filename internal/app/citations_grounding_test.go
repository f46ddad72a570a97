package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

// groundedDone is the staff's done event, with the reply's grounding.
type groundedDone struct {
	Citations []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"citations"`
	Grounding *string `json:"grounding"` // nil: the field is missing
}

// secondPassage matches the heading of passage [2] in the system prompt.
var secondPassage = regexp.MustCompile(`(?m)^\[2\] (.+)$`)

// A model reply cites the passages it refers to by number and no other; a
// reply that refers to none cites none and is recorded as ungrounded. The done
// event (live and resumed from the database), the stored message and the reply
// row agree.
func TestModelReplyCitesOnlyWhatItRefersTo(t *testing.T) {
	forEachEngineUpstream(t, map[string]string{"KB_SEED_SAMPLE": "true"}, func(t *testing.T, in *instance, fake *llmtest.Server) {
		agent := in.newStaff(support.RoleAgent) // the grounding is shown to staff
		const question = "I was billed twice for the annual plan and want a refund."

		fake.Enqueue(llmtest.Reply("Refunds are possible within 30 days", " of the charge [2]."))
		grounded := in.createTicket(agent.Token, "Can I get my money back?", question)
		done := staffDone(t, in, agent.Token, grounded.ID, nil)
		m := secondPassage.FindStringSubmatch(fake.Requests()[0].Body.Messages[0].Content)
		if m == nil {
			t.Fatalf("the prompt has fewer than two passages: %s", fake.Requests()[0].Body.Messages[0].Content)
		}
		if len(done.Citations) != 1 || done.Citations[0].Title != m[1] || done.Grounding == nil || *done.Grounding != "grounded" {
			t.Fatalf("done event cites %+v, grounding %v; want only %q, grounded", done.Citations, done.Grounding, m[1])
		}
		resumed := staffDone(t, in, agent.Token, grounded.ID, map[string]string{"Last-Event-ID": "1"})
		if len(resumed.Citations) != 1 || resumed.Grounding == nil || *resumed.Grounding != "grounded" {
			t.Fatalf("resumed done event cites %+v, grounding %v", resumed.Citations, resumed.Grounding)
		}
		if cites := storedCitations(t, in, agent.Token, grounded.ID); len(cites) != 1 || cites[0] != done.Citations[0].ID {
			t.Fatalf("stored message cites %q, want only %q", cites, done.Citations[0].ID)
		}

		fake.Enqueue(llmtest.Reply("Thanks, a teammate will look at your invoice."))
		ungrounded := in.createTicket(agent.Token, "Can I get my money back?", question)
		done = staffDone(t, in, agent.Token, ungrounded.ID, nil)
		if len(done.Citations) != 0 || done.Citations == nil || done.Grounding == nil || *done.Grounding != "ungrounded" {
			t.Fatalf("done event cites %+v, grounding %v; want [] and ungrounded", done.Citations, done.Grounding)
		}
		if cites := storedCitations(t, in, agent.Token, ungrounded.ID); len(cites) != 0 {
			t.Fatalf("stored message cites %q, want none", cites)
		}
		row, err := in.app.DB.LatestReply(t.Context(), ungrounded.ID)
		if err != nil || row.Meta.Grounding != support.GroundingUngrounded || row.Question == "" || row.Language != "en" {
			t.Fatalf("reply row grounding %q question %q language %q, err %v", row.Meta.Grounding, row.Question, row.Language, err)
		}
	})
}

// staffDone streams (or resumes) a ticket's AI reply and decodes its done event.
func staffDone(t *testing.T, in *instance, token, ticketID string, headers map[string]string) groundedDone {
	t.Helper()
	evs := in.openStream(aiPath(ticketID), token, headers).all(t)
	last := evs[len(evs)-1]
	if last.Event != "done" {
		t.Fatalf("final event %+v", last)
	}
	var d groundedDone
	if err := json.Unmarshal([]byte(last.Data), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// storedCitations returns the article ids the ticket's last message cites.
func storedCitations(t *testing.T, in *instance, token, ticketID string) []string {
	t.Helper()
	var tk struct {
		Messages []struct {
			AI *struct {
				Citations []struct {
					ID string `json:"id"`
				} `json:"citations"`
			} `json:"ai"`
		} `json:"messages"`
	}
	r := in.call(http.MethodGet, "/tickets/"+ticketID, token, nil)
	expect(t, r, http.StatusOK)
	r.json(t, &tk)
	last := tk.Messages[len(tk.Messages)-1]
	if last.AI == nil {
		t.Fatalf("the last message is not an AI reply")
	}
	var ids []string
	for _, c := range last.AI.Citations {
		ids = append(ids, c.ID)
	}
	return ids
}
