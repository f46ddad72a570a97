package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

// The ticket workflow, the event log and internal notes (issue 11 items 2, 4, 5).

var allStatuses = []support.Status{support.StatusOpen, support.StatusPending, support.StatusResolved, support.StatusClosed}

// deskTicketJSON is a ticket with the workflow's fields.
type deskTicketJSON struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	Priority   string   `json:"priority"`
	AssigneeID *string  `json:"assignee_id"`
	Tags       []string `json:"tags"`
	Version    int64    `json:"version"`
}

type eventJSON struct {
	ID       int64           `json:"id"`
	TicketID string          `json:"ticket_id"`
	ActorID  *string         `json:"actor_id"`
	Type     string          `json:"type"`
	Old      json.RawMessage `json:"old"`
	New      json.RawMessage `json:"new"`
	Internal bool            `json:"internal"`
}

// patch sends PATCH /tickets/{id}, with If-Match unless ifMatch is "".
func (in *instance) patch(ticketID, token, ifMatch string, body any) response {
	in.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		in.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPatch, in.url+"/tickets/"+ticketID, bytes.NewReader(b))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return in.send(req)
}

// mustPatch patches and wants 200, returning the ticket.
func (in *instance) mustPatch(ticketID, token string, body any) deskTicketJSON {
	in.t.Helper()
	r := in.patch(ticketID, token, "", body)
	expect(in.t, r, http.StatusOK)
	var tk deskTicketJSON
	r.json(in.t, &tk)
	return tk
}

func (in *instance) deskTicket(ticketID, token string) (deskTicketJSON, string) {
	in.t.Helper()
	r := in.call(http.MethodGet, "/tickets/"+ticketID, token, nil)
	expect(in.t, r, http.StatusOK)
	var tk deskTicketJSON
	r.json(in.t, &tk)
	return tk, r.header.Get("ETag")
}

func (in *instance) events(ticketID, token string) []eventJSON {
	in.t.Helper()
	r := in.call(http.MethodGet, "/tickets/"+ticketID+"/events?limit=200", token, nil)
	expect(in.t, r, http.StatusOK)
	var evs []eventJSON
	r.json(in.t, &evs)
	return evs
}

// moveTo brings a new ticket to status as staff (every status is one staff step from open).
func (in *instance) moveTo(ticketID, staffToken string, status support.Status) {
	in.t.Helper()
	if status != support.StatusOpen {
		in.mustPatch(ticketID, staffToken, map[string]string{"status": string(status)})
	}
}

func TestStatusTransitions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		for _, role := range []support.Role{support.RoleAgent, support.RoleCustomer} {
			token := agent.Token
			if role == support.RoleCustomer {
				token = customer.Token
			}
			for _, from := range allStatuses {
				for _, to := range allStatuses {
					tk := in.createTicket(customer.Token, "transition", "")
					in.moveTo(tk.ID, agent.Token, from)
					_, before := in.deskTicket(tk.ID, agent.Token)
					r := in.patch(tk.ID, token, "", map[string]string{"status": string(to)})
					allowed := slices.Contains(support.Transitions(role, from), to)
					switch {
					case from == to: // a no-op: nothing changes, not even the version
						expect(t, r, http.StatusOK)
						if r.header.Get("ETag") != before {
							t.Errorf("%s %s->%s: ETag %s, want unchanged %s", role, from, to, r.header.Get("ETag"), before)
						}
					case allowed:
						expect(t, r, http.StatusOK)
						if got, _ := in.deskTicket(tk.ID, agent.Token); got.Status != string(to) {
							t.Errorf("%s %s->%s: status %s", role, from, to, got.Status)
						}
					default:
						expect(t, r, http.StatusConflict)
						if d := r.detail(t); !strings.Contains(d, string(from)) || !strings.Contains(d, string(to)) {
							t.Errorf("%s %s->%s: detail %q names neither", role, from, to, d)
						}
						if got, _ := in.deskTicket(tk.ID, agent.Token); got.Status != string(from) {
							t.Errorf("%s %s->%s refused but status %s", role, from, to, got.Status)
						}
					}
				}
			}
		}
	})
}

func TestPatchTicketFields(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, other := in.newUser(), in.newUser()
		agent, admin := in.newStaff(support.RoleAgent), in.newStaff(support.RoleAdmin)
		tk := in.createTicket(customer.Token, "Fields", "")
		got, etag := in.deskTicket(tk.ID, customer.Token)
		if got.Priority != "normal" || got.AssigneeID != nil || got.Tags == nil || len(got.Tags) != 0 || got.Version != 1 || etag != `"1"` {
			t.Fatalf("new ticket %+v, ETag %s", got, etag)
		}

		got = in.mustPatch(tk.ID, agent.Token, map[string]any{"priority": "urgent", "assignee_id": admin.ID,
			"tags": []string{" Billing ", "billing", "vip", "a_b-1"}})
		if got.Priority != "urgent" || got.AssigneeID == nil || *got.AssigneeID != admin.ID ||
			!slices.Equal(got.Tags, []string{"a_b-1", "billing", "vip"}) || got.Version != 2 {
			t.Fatalf("patched %+v", got)
		}
		if again, _ := in.deskTicket(tk.ID, customer.Token); !slices.Equal(again.Tags, got.Tags) || again.Version != 2 {
			t.Fatalf("read back %+v", again)
		}
		got = in.mustPatch(tk.ID, admin.Token, map[string]any{"assignee_id": nil, "tags": []string{}})
		if got.AssigneeID != nil || len(got.Tags) != 0 || got.Version != 3 {
			t.Fatalf("unassigned and untagged %+v", got)
		}
		got = in.mustPatch(tk.ID, agent.Token, map[string]any{"assignee_id": agent.ID})
		if got.AssigneeID == nil || *got.AssigneeID != agent.ID {
			t.Fatalf("assigned %+v", got)
		}

		manyTags := make([]string, 21)
		for i := range manyTags {
			manyTags[i] = fmt.Sprint("t", i)
		}
		for name, c := range map[string]struct {
			body     any
			location string
		}{
			"empty":             {map[string]any{}, ""},
			"unknown field":     {map[string]any{"title": "x"}, ""},
			"bad status":        {map[string]any{"status": "archived"}, "body.status"},
			"bad priority":      {map[string]any{"priority": "asap"}, "body.priority"},
			"null status":       {map[string]any{"status": nil}, ""}, // null is absent: nothing to change
			"bad tag":           {map[string]any{"tags": []string{"ok", "has space"}}, "body.tags[1]"},
			"long tag":          {map[string]any{"tags": []string{strings.Repeat("x", 33)}}, "body.tags[0]"},
			"too many tags":     {map[string]any{"tags": manyTags}, "body.tags"},
			"customer assignee": {map[string]any{"assignee_id": customer.ID}, "body.assignee_id"},
			"unknown assignee":  {map[string]any{"assignee_id": uuid.NewString()}, "body.assignee_id"},
			"malformed id":      {map[string]any{"assignee_id": "nope"}, "body.assignee_id"},
		} {
			r := in.patch(tk.ID, agent.Token, "", c.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", name, r.status, r.body)
				continue
			}
			var p problemJSON
			r.json(t, &p)
			if c.location != "" && !slices.ContainsFunc(p.Errors, func(e struct {
				Location string `json:"location"`
				Message  string `json:"message"`
			}) bool {
				return e.Location == c.location
			}) {
				t.Errorf("%s: errors %s lack %s", name, r.body, c.location)
			}
		}

		// Customers: status only, own tickets only.
		for _, body := range []map[string]any{{"priority": "low"}, {"tags": []string{"x"}}, {"assignee_id": nil}, {"status": "closed", "priority": "low"}} {
			r := in.patch(tk.ID, customer.Token, "", body)
			expect(t, r, http.StatusForbidden)
			r.detail(t)
		}
		expect(t, in.patch(tk.ID, other.Token, "", map[string]any{"status": "closed"}), http.StatusNotFound)
		expect(t, in.patch(tk.ID, other.Token, "", map[string]any{"priority": "low"}), http.StatusNotFound)
		expect(t, in.patch(uuid.NewString(), agent.Token, "", map[string]any{"priority": "low"}), http.StatusNotFound)
		if got, _ := in.deskTicket(tk.ID, agent.Token); got.Priority != "urgent" || got.Status != "open" {
			t.Fatalf("refused changes applied: %+v", got)
		}
		got = in.mustPatch(tk.ID, customer.Token, map[string]any{"status": "closed"})
		if got.Status != "closed" {
			t.Fatalf("customer close %+v", got)
		}
	})
}

func TestPatchIfMatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		tk := in.createTicket(customer.Token, "Concurrency", "")
		_, etag := in.deskTicket(tk.ID, agent.Token)
		r := in.patch(tk.ID, agent.Token, etag, map[string]string{"priority": "high"})
		expect(t, r, http.StatusOK)
		if r.header.Get("ETag") != `"2"` {
			t.Fatalf("ETag after PATCH %q", r.header.Get("ETag"))
		}
		for _, stale := range []string{etag, `W/"2"`, `"99"`, `2`, `"x"`} {
			r = in.patch(tk.ID, agent.Token, stale, map[string]string{"priority": "low"})
			expect(t, r, http.StatusPreconditionFailed)
			r.detail(t)
		}
		if got, etag := in.deskTicket(tk.ID, agent.Token); got.Priority != "high" || etag != `"2"` {
			t.Fatalf("after stale PATCHes %+v %s", got, etag)
		}
		expect(t, in.patch(tk.ID, agent.Token, "*", map[string]string{"priority": "low"}), http.StatusOK)

		// A message bumps the version too.
		_, before := in.deskTicket(tk.ID, agent.Token)
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "hi"}), http.StatusCreated)
		expect(t, in.patch(tk.ID, agent.Token, before, map[string]string{"priority": "high"}), http.StatusPreconditionFailed)

		// Two agents with the same ETag: exactly one wins, every time.
		other := in.newStaff(support.RoleAgent)
		for round := range 5 {
			_, etag := in.deskTicket(tk.ID, agent.Token)
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i, who := range []user{agent, other} {
				wg.Go(func() {
					statuses[i] = in.patch(tk.ID, who.Token, etag, map[string]any{"assignee_id": who.ID, "tags": []string{fmt.Sprint("r", round, "-", i)}}).status
				})
			}
			wg.Wait()
			slices.Sort(statuses)
			if statuses[0] != http.StatusOK || statuses[1] != http.StatusPreconditionFailed {
				t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
			}
		}

		// Without If-Match, concurrent changes to different fields all land: a
		// write that lost the race is decided again on the fresh ticket.
		_, etag = in.deskTicket(tk.ID, agent.Token)
		var wg sync.WaitGroup
		for _, body := range []map[string]any{{"priority": "urgent"}, {"tags": []string{"both"}}, {"assignee_id": nil}, {"status": "pending"}} {
			wg.Go(func() { expect(t, in.patch(tk.ID, agent.Token, "", body), http.StatusOK) })
		}
		wg.Wait()
		got, after := in.deskTicket(tk.ID, agent.Token)
		if got.Priority != "urgent" || !slices.Equal(got.Tags, []string{"both"}) || got.AssigneeID != nil || got.Status != "pending" ||
			after != fmt.Sprintf(`"%d"`, parseETag(t, etag)+4) {
			t.Fatalf("after concurrent PATCHes %+v, ETag %s (was %s)", got, after, etag)
		}
	})
}

func parseETag(t *testing.T, etag string) int64 {
	t.Helper()
	var v int64
	if _, err := fmt.Sscanf(etag, `"%d"`, &v); err != nil {
		t.Fatalf("ETag %q: %v", etag, err)
	}
	return v
}

func TestMessagesAndTheWorkflow(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		say := func(tk, token string) response {
			return in.call(http.MethodPost, "/tickets/"+tk+"/messages", token, map[string]string{"content": "more"})
		}
		for _, from := range []support.Status{support.StatusPending, support.StatusResolved} {
			tk := in.createTicket(customer.Token, "Reopen", "")
			in.moveTo(tk.ID, agent.Token, from)
			expect(t, say(tk.ID, agent.Token), http.StatusCreated) // staff writing does not reopen
			if got, _ := in.deskTicket(tk.ID, agent.Token); got.Status != string(from) {
				t.Fatalf("staff message moved %s to %s", from, got.Status)
			}
			expect(t, say(tk.ID, customer.Token), http.StatusCreated)
			if got, _ := in.deskTicket(tk.ID, agent.Token); got.Status != "open" {
				t.Fatalf("customer message left %s at %s", from, got.Status)
			}
			evs := in.events(tk.ID, agent.Token)
			last := evs[len(evs)-1]
			if last.Type != "status" || string(last.Old) != `"`+string(from)+`"` || string(last.New) != `"open"` ||
				last.ActorID == nil || *last.ActorID != customer.ID {
				t.Fatalf("reopen event %+v", last)
			}
		}
		tk := in.createTicket(customer.Token, "Closed", "")
		in.moveTo(tk.ID, agent.Token, support.StatusClosed)
		for _, who := range []user{customer, agent} {
			r := say(tk.ID, who.Token)
			expect(t, r, http.StatusConflict)
			if d := r.detail(t); !strings.Contains(d, "Reopen the ticket to continue") {
				t.Fatalf("detail %q", d)
			}
			r = in.call(http.MethodGet, aiPath(tk.ID), who.Token, nil)
			expect(t, r, http.StatusConflict)
			if d := r.detail(t); !strings.Contains(d, "Reopen the ticket to continue") {
				t.Fatalf("AI detail %q", d)
			}
		}
		if len(fake.Requests()) != 0 {
			t.Fatalf("a closed ticket reached the AI")
		}
		in.mustPatch(tk.ID, customer.Token, map[string]string{"status": "open"})
		expect(t, say(tk.ID, customer.Token), http.StatusCreated)
	})
}

func TestEventLog(t *testing.T) {
	forEachEngineWith(t, map[string]string{"TICKET_MAX_MESSAGES": "3"}, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		tk := in.createTicket(customer.Token, "History", "")
		evs := in.events(tk.ID, customer.Token)
		if len(evs) != 1 || evs[0].Type != "created" || *evs[0].ActorID != customer.ID || evs[0].Internal || evs[0].Old != nil && string(evs[0].Old) != "null" {
			t.Fatalf("created events %+v", evs)
		}
		in.mustPatch(tk.ID, agent.Token, map[string]any{"status": "pending", "priority": "high", "assignee_id": agent.ID, "tags": []string{"b", "a"}})
		evs = in.events(tk.ID, agent.Token)
		want := []struct{ typ, old, new string }{
			{"status", `"open"`, `"pending"`}, {"priority", `"normal"`, `"high"`},
			{"assignee", "null", `"` + agent.ID + `"`}, {"tags", `[]`, `["a","b"]`},
		}
		if len(evs) != 1+len(want) {
			t.Fatalf("events after PATCH %+v", evs)
		}
		for i, w := range want {
			e := evs[1+i]
			if e.Type != w.typ || string(orNull(e.Old)) != w.old || string(orNull(e.New)) != w.new || *e.ActorID != agent.ID || e.Internal || e.ID <= evs[i].ID {
				t.Errorf("event %d = %+v (old %s new %s), want %+v", i+1, e, e.Old, e.New, w)
			}
		}
		// Nothing changed: no event. A stale If-Match: no event.
		in.mustPatch(tk.ID, agent.Token, map[string]any{"priority": "high", "tags": []string{"a", "b"}})
		expect(t, in.patch(tk.ID, agent.Token, `"1"`, map[string]string{"priority": "low"}), http.StatusPreconditionFailed)
		expect(t, in.patch(tk.ID, agent.Token, "", map[string]string{"status": "bogus"}), http.StatusUnprocessableEntity)
		if n := len(in.events(tk.ID, agent.Token)); n != 5 {
			t.Fatalf("%d events after changes that changed nothing, want 5", n)
		}

		// A message (which reopens the pending ticket), then a full thread writes nothing.
		r := in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "one"})
		expect(t, r, http.StatusCreated)
		var msg messageJSON
		r.json(t, &msg)
		evs = in.events(tk.ID, customer.Token)
		if len(evs) != 7 || evs[5].Type != "message" || string(evs[5].New) != `"`+msg.ID+`"` || *evs[5].ActorID != customer.ID ||
			evs[6].Type != "status" {
			t.Fatalf("message events %+v", evs[5:])
		}
		for _, c := range []string{"two", "three"} {
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", agent.Token, map[string]string{"content": c}), http.StatusCreated)
		}
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "four"}), http.StatusUnprocessableEntity)
		if n := len(in.events(tk.ID, agent.Token)); n != 9 {
			t.Fatalf("%d events after a refused message, want 9", n)
		}

		// A note is internal: staff see it, the customer does not.
		r = in.call(http.MethodPost, "/tickets/"+tk.ID+"/notes", agent.Token, map[string]string{"content": "internal"})
		expect(t, r, http.StatusCreated)
		var note struct{ ID string }
		r.json(t, &note)
		evs = in.events(tk.ID, agent.Token)
		if last := evs[len(evs)-1]; len(evs) != 10 || last.Type != "note" || !last.Internal || string(last.New) != `"`+note.ID+`"` {
			t.Fatalf("note event %+v", evs[len(evs)-1])
		}
		if evs := in.events(tk.ID, customer.Token); len(evs) != 9 || slices.ContainsFunc(evs, func(e eventJSON) bool { return e.Internal }) {
			t.Fatalf("customer sees %d events, internal among them: %+v", len(evs), evs)
		}

		// Cursor pagination: every event once, in order.
		var walked []int64
		path := "/tickets/" + tk.ID + "/events?limit=3"
		for pages := 0; path != ""; pages++ {
			r := in.call(http.MethodGet, path, agent.Token, nil)
			expect(t, r, http.StatusOK)
			var page []eventJSON
			r.json(t, &page)
			for _, e := range page {
				walked = append(walked, e.ID)
			}
			path = nextPath(t, r.header.Get("Link"))
			if pages > 10 {
				t.Fatal("endless walk")
			}
		}
		if len(walked) != 10 || !slices.IsSorted(walked) || walked[0] != evs[0].ID {
			t.Fatalf("walked %v", walked)
		}
		r = in.call(http.MethodGet, fmt.Sprintf("/tickets/%s/events?after=%d", tk.ID, walked[7]), agent.Token, nil)
		expect(t, r, http.StatusOK)
		var tail []eventJSON
		r.json(t, &tail)
		if len(tail) != 2 || tail[0].ID != walked[8] {
			t.Fatalf("after %d: %+v", walked[7], tail)
		}

		// Others' tickets are missing.
		expect(t, in.call(http.MethodGet, "/tickets/"+tk.ID+"/events", in.newUser().Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodGet, "/tickets/"+uuid.NewString()+"/events", agent.Token, nil), http.StatusNotFound)
	})
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

func TestAIReplyEvent(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Reply("Hello"))
		customer := in.newUser()
		tk := in.createTicket(customer.Token, "AI event", "")
		_, before := in.deskTicket(tk.ID, customer.Token)
		in.openStream(aiPath(tk.ID), customer.Token, nil).all(t)
		ai := in.waitAIMessages(customer.Token, tk.ID, 1)
		evs := in.events(tk.ID, customer.Token)
		last := evs[len(evs)-1]
		if last.Type != "ai_reply" || last.ActorID != nil || string(last.New) != `"`+ai[0].ID+`"` {
			t.Fatalf("AI reply event %+v", last)
		}
		if _, after := in.deskTicket(tk.ID, customer.Token); after == before {
			t.Fatalf("ETag %s unchanged by the AI reply", after)
		}
	})
}

func TestNotes(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		customer, agent, admin := in.newUser(), in.newStaff(support.RoleAgent), in.newStaff(support.RoleAdmin)
		tk := in.createTicket(customer.Token, "Notes", "My order is late")
		_, etag := in.deskTicket(tk.ID, customer.Token)
		secret := "NOTE-" + uuid.NewString()
		notesPath := "/tickets/" + tk.ID + "/notes"
		expect(t, in.call(http.MethodPost, notesPath, agent.Token, map[string]string{"content": secret}), http.StatusCreated)
		expect(t, in.call(http.MethodPost, notesPath, admin.Token, map[string]string{"content": "second"}), http.StatusCreated)
		expect(t, in.call(http.MethodPost, notesPath, agent.Token, map[string]string{"content": "  "}), http.StatusUnprocessableEntity)
		expect(t, in.call(http.MethodPost, notesPath, agent.Token, map[string]string{"content": strings.Repeat("x", support.MaxContentLen+1)}), http.StatusUnprocessableEntity)
		r := in.call(http.MethodGet, notesPath, agent.Token, nil)
		expect(t, r, http.StatusOK)
		var notes []struct {
			Content  string `json:"content"`
			AuthorID string `json:"author_id"`
		}
		r.json(t, &notes)
		if len(notes) != 2 || notes[0].Content != secret || notes[0].AuthorID != agent.ID || notes[1].AuthorID != admin.ID {
			t.Fatalf("notes %s", r.body)
		}
		expect(t, in.call(http.MethodPost, notesPath, customer.Token, map[string]string{"content": "mine"}), http.StatusForbidden)
		expect(t, in.call(http.MethodGet, notesPath, customer.Token, nil), http.StatusForbidden)
		expect(t, in.call(http.MethodGet, "/tickets/"+uuid.NewString()+"/notes", agent.Token, nil), http.StatusNotFound)
		if _, after := in.deskTicket(tk.ID, customer.Token); after != etag {
			t.Fatalf("a note changed the customer's view: ETag %s -> %s", etag, after)
		}

		// Nothing a customer can get holds the note, nor does the AI prompt.
		fake.Enqueue(llmtest.Reply("We are on it"))
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", customer.Token, map[string]string{"content": "any news?"}), http.StatusCreated)
		var stream strings.Builder
		for _, ev := range in.openStream(aiPath(tk.ID), customer.Token, nil).all(t) {
			stream.WriteString(ev.Data)
		}
		in.waitAIMessages(customer.Token, tk.ID, 1)
		seen := map[string]string{"reply stream": stream.String()}
		for _, path := range []string{"/tickets", "/tickets/" + tk.ID, "/tickets/" + tk.ID + "/messages", "/tickets/" + tk.ID + "/events?limit=200"} {
			r := in.call(http.MethodGet, path, customer.Token, nil)
			expect(t, r, http.StatusOK)
			seen[path] = string(r.body)
		}
		for _, req := range fake.Requests() {
			seen["AI prompt"] += string(req.RawBody)
		}
		if !strings.Contains(seen["AI prompt"], "any news?") {
			t.Fatalf("the prompt was not recorded: %s", seen["AI prompt"])
		}
		for where, text := range seen {
			if strings.Contains(text, secret) || strings.Contains(text, `"note"`) {
				t.Errorf("%s reveals the note: %s", where, text)
			}
		}
	})
}

// Notes come in pages, oldest first: following the Link header reads each
// note once, in order. An after that is not a note of the ticket is a 400.
func TestNotePages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		tk := in.createTicket(customer.Token, "Many notes", "")
		other := in.createTicket(customer.Token, "Other", "")
		notesPath := "/tickets/" + tk.ID + "/notes"
		var want []string
		for i := range 7 {
			r := in.call(http.MethodPost, notesPath, agent.Token, map[string]string{"content": fmt.Sprint("note ", i)})
			expect(t, r, http.StatusCreated)
			var n struct{ ID string }
			r.json(t, &n)
			want = append(want, n.ID)
		}
		var walked []string
		var sizes []int
		for path := notesPath + "?limit=3"; path != ""; {
			r := in.call(http.MethodGet, path, agent.Token, nil)
			expect(t, r, http.StatusOK)
			var page []struct{ ID, Content string }
			r.json(t, &page)
			for _, n := range page {
				walked = append(walked, n.ID)
			}
			sizes = append(sizes, len(page))
			if path = nextPath(t, r.header.Get("Link")); path != "" && !strings.HasPrefix(path, notesPath+"?after=") {
				t.Fatalf("next page %q", path)
			}
			if len(sizes) > 5 {
				t.Fatal("endless walk")
			}
		}
		if !slices.Equal(walked, want) || !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Fatalf("walked %v in pages of %v, want %v in 3, 3, 1", walked, sizes, want)
		}
		// Without limit, one page of all (the default is 50); after the last note, nothing.
		r := in.call(http.MethodGet, notesPath, agent.Token, nil)
		expect(t, r, http.StatusOK)
		if r.header.Get("Link") != "" || strings.Count(string(r.body), `"id"`) != 7 {
			t.Fatalf("default page: Link %q, %s", r.header.Get("Link"), r.body)
		}
		r = in.call(http.MethodGet, notesPath+"?after="+want[6], agent.Token, nil)
		expect(t, r, http.StatusOK)
		if strings.TrimSpace(string(r.body)) != "[]" || r.header.Get("Link") != "" {
			t.Fatalf("after the last note: %s, Link %q", r.body, r.header.Get("Link"))
		}

		// A cursor that is not one of this ticket's notes: 400 with a detail, never 500.
		for _, path := range []string{
			notesPath + "?after=" + uuid.NewString(),
			notesPath + "?after=not-a-note",
			notesPath + "?after=%00",
			"/tickets/" + other.ID + "/notes?after=" + want[0], // another ticket's note
		} {
			r := in.call(http.MethodGet, path, agent.Token, nil)
			expect(t, r, http.StatusBadRequest)
			if d := r.detail(t); !strings.Contains(d, "not a note of this ticket") {
				t.Errorf("%s: detail %q", path, d)
			}
		}
		expect(t, in.call(http.MethodGet, notesPath+"?limit=-1", agent.Token, nil), http.StatusUnprocessableEntity)
		expect(t, in.call(http.MethodGet, notesPath+"?after="+want[0], customer.Token, nil), http.StatusForbidden)
	})
}

// "me" as the assignee names the staff member making the change; a customer
// cannot use it (assignment is staff-only).
func TestAssignToMe(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		agent := in.newStaff(support.RoleAgent)
		customer := in.newUser()
		tk := in.createTicket(customer.Token, "Take me", "please")
		got := in.mustPatch(tk.ID, agent.Token, map[string]any{"assignee_id": "me"})
		if got.AssigneeID == nil || *got.AssigneeID != agent.ID {
			t.Fatalf("assignee %v, want the agent %s", got.AssigneeID, agent.ID)
		}
		expect(t, in.patch(tk.ID, customer.Token, "", map[string]any{"assignee_id": "me"}), http.StatusForbidden)
		expect(t, in.patch(tk.ID, agent.Token, "", map[string]any{"assignee_id": "someone"}), http.StatusUnprocessableEntity)
	})
}
