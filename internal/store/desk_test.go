package store_test

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// Conformance tests of the ticket workflow, the event log and notes.

// allEvents returns every event of a ticket, internal ones included.
func allEvents(t *testing.T, db *store.DB, ticketID string) []support.Event {
	t.Helper()
	evs, err := db.Events(t.Context(), support.EventFilter{TicketID: ticketID, Limit: 1000, IncludeInternal: true})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return evs
}

func eventTypes(evs []support.Event) []support.EventType {
	out := make([]support.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestCreateTicketWorkflowDefaults(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		tk := &support.Ticket{CustomerID: u.ID, Title: "t", Tags: []string{"b", "a", "b"}}
		if err := db.CreateTicket(t.Context(), tk); err != nil {
			t.Fatal(err)
		}
		got, err := db.TicketByID(t.Context(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority != support.PriorityNormal || got.Version != 1 || got.AssigneeID != "" || !slices.Equal(got.Tags, []string{"a", "b"}) {
			t.Fatalf("stored %+v", got)
		}
		checkTicket(t, got, tk)
		evs := allEvents(t, db, tk.ID)
		if len(evs) != 1 || evs[0].Type != support.EventCreated || evs[0].ActorID != u.ID || evs[0].Internal ||
			evs[0].Old != nil || string(evs[0].New) != `{"priority":"normal","status":"open"}` {
			t.Fatalf("created events %+v", evs)
		}
		// A plain ticket has no tags, as [] not nil.
		if plain, _ := db.TicketByID(t.Context(), mustTicket(t, db, u.ID, t0).ID); plain.Tags == nil || len(plain.Tags) != 0 {
			t.Fatalf("plain tags %#v", plain.Tags)
		}
	})
}

func TestUpdateTicket(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		agent := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		next := *tk
		next.Status, next.Priority, next.AssigneeID, next.Tags = support.StatusPending, support.PriorityUrgent, agent.ID, []string{"x", "y"}
		next.UpdatedAt = t0.Add(time.Second)
		ev := support.Event{TicketID: tk.ID, ActorID: agent.ID, Type: support.EventStatus,
			Old: support.EventValue("open"), New: support.EventValue("pending"), CreatedAt: next.UpdatedAt}
		upd := &support.TicketUpdate{Ticket: &next, Version: 1, TagsChanged: true, Events: []support.Event{ev, ev}}
		if err := db.UpdateTicket(t.Context(), upd); err != nil {
			t.Fatal(err)
		}
		got, _ := db.TicketByID(t.Context(), tk.ID)
		if next.Version != 2 || got.Version != 2 || got.Status != support.StatusPending || got.Priority != support.PriorityUrgent ||
			got.AssigneeID != agent.ID || !slices.Equal(got.Tags, []string{"x", "y"}) || !got.UpdatedAt.Equal(next.UpdatedAt) {
			t.Fatalf("updated %+v", got)
		}
		if evs := allEvents(t, db, tk.ID); len(evs) != 3 || evs[1].ActorID != agent.ID || string(evs[1].Old) != `"open"` || evs[2].ID <= evs[1].ID {
			t.Fatalf("events %+v", evs)
		}

		// A stale version writes nothing: not the ticket, its tags, nor the events.
		stale := *got
		stale.Priority, stale.Tags = support.PriorityLow, []string{"z"}
		err := db.UpdateTicket(t.Context(), &support.TicketUpdate{Ticket: &stale, Version: 1, TagsChanged: true, Events: []support.Event{ev}})
		if !errors.Is(err, support.ErrVersionMoved) || support.ErrorCode(err) != support.CodeStale {
			t.Fatalf("stale update: %v", err)
		}
		if again, _ := db.TicketByID(t.Context(), tk.ID); again.Priority != support.PriorityUrgent || !slices.Equal(again.Tags, []string{"x", "y"}) || again.Version != 2 {
			t.Fatalf("after stale update %+v", again)
		}
		if n := len(allEvents(t, db, tk.ID)); n != 3 {
			t.Fatalf("%d events after a stale update", n)
		}
		// Unassigning stores NULL; tags untouched unless TagsChanged.
		unassigned := *got
		unassigned.AssigneeID, unassigned.Tags = "", nil
		if err := db.UpdateTicket(t.Context(), &support.TicketUpdate{Ticket: &unassigned, Version: 2}); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.TicketByID(t.Context(), tk.ID); again.AssigneeID != "" || !slices.Equal(again.Tags, []string{"x", "y"}) || again.Version != 3 {
			t.Fatalf("after unassigning %+v", again)
		}
		missing := *got
		missing.ID = "no-such-ticket"
		if err := db.UpdateTicket(t.Context(), &support.TicketUpdate{Ticket: &missing, Version: 1}); !errors.Is(err, support.ErrVersionMoved) {
			t.Fatalf("missing ticket: %v", err)
		}
	})
}

func TestAddTicketMessage(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		msg := func(content string) *support.Message {
			return &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: content, CreatedAt: t0.Add(time.Second)}
		}
		// The status moved since the decision: nothing is written.
		err := db.AddTicketMessage(t.Context(), &support.MessageWrite{Message: msg("late"), Seen: support.StatusPending, Status: support.StatusOpen})
		if !errors.Is(err, support.ErrStatusMoved) {
			t.Fatalf("moved status: %v", err)
		}
		if msgs, _ := db.Messages(t.Context(), tk.ID); len(msgs) != 0 {
			t.Fatalf("messages %+v", msgs)
		}
		reopen := support.Event{TicketID: tk.ID, ActorID: u.ID, Type: support.EventStatus, Old: support.EventValue("open"),
			New: support.EventValue("pending"), CreatedAt: t0}
		m := msg("hello")
		w := &support.MessageWrite{Message: m, Seen: support.StatusOpen, Status: support.StatusPending, Events: []support.Event{reopen}}
		if err := db.AddTicketMessage(t.Context(), w); err != nil {
			t.Fatal(err)
		}
		got, _ := db.TicketByID(t.Context(), tk.ID)
		if got.Status != support.StatusPending || got.Version != 2 || !got.UpdatedAt.Equal(m.CreatedAt) {
			t.Fatalf("ticket after message %+v", got)
		}
		evs := allEvents(t, db, tk.ID)
		if !slices.Equal(eventTypes(evs), []support.EventType{support.EventCreated, support.EventMessage, support.EventStatus}) ||
			string(evs[1].New) != `"`+m.ID+`"` || evs[1].ActorID != u.ID {
			t.Fatalf("events %+v", evs)
		}
		// The cap refuses the message and its events.
		err = db.AddTicketMessage(t.Context(), &support.MessageWrite{Message: msg("over"), MaxMessages: 1,
			Seen: support.StatusPending, Status: support.StatusOpen, Events: []support.Event{reopen}})
		if support.ErrorCode(err) != support.CodeInvalid {
			t.Fatalf("over the cap: %v", err)
		}
		if again, _ := db.TicketByID(t.Context(), tk.ID); again.Status != support.StatusPending || again.Version != 2 || len(allEvents(t, db, tk.ID)) != 3 {
			t.Fatalf("a refused message changed the ticket: %+v", again)
		}
		missing := msg("x")
		missing.TicketID = "no-such-ticket"
		if err := db.AddTicketMessage(t.Context(), &support.MessageWrite{Message: missing, Seen: support.StatusOpen, Status: support.StatusOpen}); !errors.Is(err, support.ErrStatusMoved) {
			t.Fatalf("missing ticket: %v", err)
		}
		// AddMessageCapped (the AI's path) writes its event too: ai_reply, no actor.
		ai := &support.Message{TicketID: tk.ID, Sender: support.SenderAI, Content: "answer"}
		if err := db.AddMessageCapped(t.Context(), ai, 0); err != nil {
			t.Fatal(err)
		}
		evs = allEvents(t, db, tk.ID)
		if last := evs[len(evs)-1]; last.Type != support.EventAIReply || last.ActorID != "" || string(last.New) != `"`+ai.ID+`"` {
			t.Fatalf("AI message event %+v", last)
		}
	})
}

func TestEventsAndNotes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u, staff := mustUser(t, db), mustUser(t, db) // the store does not check roles
		tk := mustTicket(t, db, u.ID, t0)
		other := mustTicket(t, db, u.ID, t0)
		var notes []string
		for i := range 3 {
			n := &support.Note{TicketID: tk.ID, AuthorID: staff.ID, Content: strings.Repeat("n", i+1), CreatedAt: t0.Add(time.Duration(i) * time.Second)}
			if err := db.AddNote(t.Context(), n); err != nil {
				t.Fatal(err)
			}
			notes = append(notes, n.ID)
			if err := db.AddMessage(t.Context(), &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: "m"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Notes(t.Context(), support.NoteFilter{TicketID: tk.ID, Limit: 100})
		if err != nil || len(got) != 3 || got[0].AuthorID != staff.ID || got[2].Content != "nnn" {
			t.Fatalf("Notes = %+v, %v", got, err)
		}
		if none, err := db.Notes(t.Context(), support.NoteFilter{TicketID: other.ID, Limit: 100}); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("Notes of a ticket without = %#v, %v", none, err)
		}
		if tkNow, _ := db.TicketByID(t.Context(), tk.ID); tkNow.Version != 4 { // three messages; notes do not count
			t.Fatalf("version %d after 3 messages and 3 notes", tkNow.Version)
		}
		all := allEvents(t, db, tk.ID)
		if len(all) != 7 {
			t.Fatalf("%d events, want 7", len(all))
		}
		public, err := db.Events(t.Context(), support.EventFilter{TicketID: tk.ID, Limit: 100})
		if err != nil || len(public) != 4 || slices.ContainsFunc(public, func(e support.Event) bool { return e.Internal }) {
			t.Fatalf("public events %+v, %v", public, err)
		}
		for _, e := range all {
			if e.Type == support.EventNote && (!e.Internal || !slices.Contains(notes, strings.Trim(string(e.New), `"`))) {
				t.Errorf("note event %+v", e)
			}
		}
		// Keyset pages: after an id, limited, in id order, per ticket.
		page, err := db.Events(t.Context(), support.EventFilter{TicketID: tk.ID, After: all[2].ID, Limit: 2, IncludeInternal: true})
		if err != nil || len(page) != 2 || page[0].ID != all[3].ID || page[1].ID != all[4].ID {
			t.Fatalf("page after %d: %+v, %v", all[2].ID, page, err)
		}
		if evs := allEvents(t, db, other.ID); len(evs) != 1 || evs[0].ID <= all[0].ID {
			t.Fatalf("other ticket's events %+v", evs)
		}
		if _, err := db.Events(t.Context(), support.EventFilter{TicketID: tk.ID}); err == nil {
			t.Fatal("a zero limit was accepted")
		}
	})
}

// Notes page oldest first by (created_at, id): notes written in the same
// microsecond are ordered by id, and each appears exactly once. The cursor
// must be a note of the ticket.
func TestNotePages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		tk, other := mustTicket(t, db, u.ID, t0), mustTicket(t, db, u.ID, t0)
		var notes []support.Note
		for i := range 7 { // pairs share a time; ids run against the time
			n := support.Note{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", 100-i), TicketID: tk.ID, AuthorID: u.ID,
				Content: "n", CreatedAt: t0.Add(time.Duration(i/2) * time.Second)}
			if err := db.AddNote(t.Context(), &n); err != nil {
				t.Fatal(err)
			}
			notes = append(notes, n)
		}
		slices.SortFunc(notes, func(a, b support.Note) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
		var want, walked []string
		for _, n := range notes {
			want = append(want, n.ID)
		}
		for after, pages := "", 0; pages == 0 || after != ""; pages++ {
			page, err := db.Notes(t.Context(), support.NoteFilter{TicketID: tk.ID, After: after, Limit: 3})
			if err != nil || pages > 3 {
				t.Fatalf("page %d after %q: %v", pages, after, err)
			}
			after = ""
			for _, n := range page {
				walked, after = append(walked, n.ID), n.ID
			}
		}
		if !slices.Equal(walked, want) {
			t.Fatalf("walked %v, want %v", walked, want)
		}
		for _, c := range []struct{ name, ticketID, after string }{
			{"unknown note", tk.ID, "00000000-0000-4000-8000-000000000001"},
			{"another ticket's note", other.ID, want[0]},
		} {
			_, err := db.Notes(t.Context(), support.NoteFilter{TicketID: c.ticketID, After: c.after, Limit: 3})
			if !errors.Is(err, support.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", c.name, err)
			}
		}
		if _, err := db.Notes(t.Context(), support.NoteFilter{TicketID: tk.ID}); err == nil {
			t.Fatal("a zero limit was accepted")
		}
	})
}
