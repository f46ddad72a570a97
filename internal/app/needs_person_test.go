package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/support"
)

// A question the assistant declines leaves the ticket to the team: it is
// tagged needs-person, once, with a tags event by no one, and the desk's queue
// finds it by that tag. An answered question leaves the tags alone.
func TestDeclinedQuestionFlagsTheTicket(t *testing.T) {
	forEachEngineWith(t, map[string]string{"KB_SEED_SAMPLE": "true"}, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		tk := in.createTicket(customer.Token, "What's the weather like in Lisbon tomorrow?", "")
		d := in.askAssistantOn(t, customer.Token, tk.ID)
		if len(d.Citations) != 0 || !strings.Contains(d.Content, "I don't know this one") {
			t.Fatalf("done %+v", d)
		}
		got, _ := in.deskTicket(tk.ID, agent.Token)
		if !slices.Equal(got.Tags, []string{support.TagNeedsPerson}) {
			t.Fatalf("tags %q, want [%s]", got.Tags, support.TagNeedsPerson)
		}
		flagged := func() int {
			n := 0
			for _, e := range in.events(tk.ID, agent.Token) {
				if e.Type == "tags" && e.ActorID == nil && string(e.New) == `["needs-person"]` && string(e.Old) == `[]` {
					n++
				}
			}
			return n
		}
		if flagged() != 1 {
			t.Fatalf("events %+v", in.events(tk.ID, agent.Token))
		}
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "And the day after?"}),
			http.StatusCreated)
		in.askAssistantOn(t, customer.Token, tk.ID)
		if n := flagged(); n != 1 {
			t.Errorf("a second decline added %d more tags events", n-1)
		}
		queue := in.call(http.MethodGet, "/tickets?tag="+support.TagNeedsPerson, agent.Token, nil)
		if expect(t, queue, http.StatusOK); !strings.Contains(string(queue.body), tk.ID) {
			t.Errorf("the queue filtered by tag lacks the ticket: %s", queue.body)
		}

		answered := in.createTicket(customer.Token, "I want my money back for last month", "")
		if d := in.askAssistantOn(t, customer.Token, answered.ID); len(d.Citations) == 0 {
			t.Fatalf("an answerable question: %+v", d)
		}
		if got, _ := in.deskTicket(answered.ID, agent.Token); len(got.Tags) != 0 {
			t.Errorf("an answered ticket got tags %q", got.Tags)
		}
	})
}
