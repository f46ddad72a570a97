package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// The agent queue's listing (issue 11 item 3): every filter, order and keyset
// position of ListTickets, on both engines.
func TestListTicketsQueue(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ann, bob := mustUser(t, db), mustUser(t, db)
		agent := mustUserAs(t, db, support.RoleAgent, "Agent")
		type spec struct {
			owner    string
			minute   int
			status   support.Status
			priority support.Priority
			assignee string
			tags     []string
			title    string
		}
		specs := []spec{ // created a minute apart, oldest first
			{ann.ID, 0, support.StatusOpen, support.PriorityUrgent, agent.ID, []string{"billing"}, "Printer on fire"},
			{ann.ID, 1, support.StatusPending, support.PriorityLow, "", nil, "Invoice questions"},
			{bob.ID, 2, support.StatusClosed, support.PriorityUrgent, agent.ID, []string{"billing", "vip"}, "Refund"},
			{bob.ID, 3, support.StatusOpen, support.PriorityNormal, "", []string{"vip"}, "Login"},
			{ann.ID, 4, support.StatusResolved, support.PriorityHigh, agent.ID, nil, "Crashing app"},
		}
		var tk []string
		for _, s := range specs {
			at := t0.Add(time.Duration(s.minute) * time.Minute)
			x := &support.Ticket{CustomerID: s.owner, Title: s.title, Description: "description", Status: s.status,
				Priority: s.priority, AssigneeID: s.assignee, Tags: s.tags, CreatedAt: at,
				UpdatedAt: at.Add(time.Duration(10-2*s.minute) * time.Hour)} // updated in reverse order
			if err := db.CreateTicket(ctx, x); err != nil {
				t.Fatalf("CreateTicket: %v", err)
			}
			tk = append(tk, x.ID)
		}
		msg := &support.Message{ID: uuid.NewString(), TicketID: tk[3], AuthorID: bob.ID, Sender: support.SenderUser,
			Content: "the gateway keeps timing out", CreatedAt: t0.Add(3*time.Minute + 4*time.Hour)} // its ticket's updated_at
		if err := db.AddMessage(ctx, msg); err != nil {
			t.Fatalf("AddMessage: %v", err)
		}
		note := &support.Note{ID: uuid.NewString(), TicketID: tk[1], AuthorID: agent.ID, Content: "zebra internal", CreatedAt: t0.Add(time.Hour)}
		if err := db.AddNote(ctx, note); err != nil {
			t.Fatalf("AddNote: %v", err)
		}
		pick := func(idx ...int) []string {
			out := []string{}
			for _, i := range idx {
				out = append(out, tk[i])
			}
			return out
		}
		at := func(minute int) time.Time { return t0.Add(time.Duration(minute) * time.Minute) }
		tests := []struct {
			name string
			f    support.TicketFilter
			want []string
		}{
			{"status", support.TicketFilter{Statuses: []support.Status{support.StatusOpen}}, pick(3, 0)},
			{"statuses", support.TicketFilter{Statuses: []support.Status{support.StatusOpen, support.StatusPending}}, pick(3, 1, 0)},
			{"priorities", support.TicketFilter{Priorities: []support.Priority{support.PriorityUrgent, support.PriorityHigh}}, pick(4, 2, 0)},
			{"assignee", support.TicketFilter{AssigneeID: agent.ID}, pick(4, 2, 0)},
			{"unassigned", support.TicketFilter{Unassigned: true}, pick(3, 1)},
			{"tag", support.TicketFilter{Tag: "vip"}, pick(3, 2)},
			{"customer and status", support.TicketFilter{CustomerID: ann.ID, Statuses: []support.Status{support.StatusOpen}}, pick(0)},
			{"created range", support.TicketFilter{CreatedAfter: at(1), CreatedBefore: at(3)}, pick(2, 1)},
			{"updated range", support.TicketFilter{UpdatedAfter: at(0).Add(4 * time.Hour), UpdatedBefore: at(0).Add(9 * time.Hour)}, pick(3, 2, 1)},
			{"full text title", support.TicketFilter{Query: "printer"}, pick(0)},
			{"full text message, stemmed", support.TicketFilter{Query: "gateways time"}, pick(3)},
			{"full text stemmed title", support.TicketFilter{Query: "crash"}, pick(4)},
			{"full text never a note", support.TicketFilter{Query: "zebra"}, pick()},
			{"full text and a filter", support.TicketFilter{Query: "gateway", Statuses: []support.Status{support.StatusClosed}}, pick()},
			{"sort updated", support.TicketFilter{Sort: support.SortUpdated}, pick(0, 1, 2, 3, 4)},
			{"sort priority", support.TicketFilter{Sort: support.SortPriority}, pick(2, 0, 4, 3, 1)},
			{"sort priority after a key", support.TicketFilter{Sort: support.SortPriority,
				After: &support.PageKey{Rank: 4, CreatedAt: at(0), ID: tk[0]}}, pick(4, 3, 1)},
			{"sort updated after a key", support.TicketFilter{Sort: support.SortUpdated,
				After: &support.PageKey{CreatedAt: at(1).Add(8 * time.Hour), ID: tk[1]}}, pick(2, 3, 4)},
			{"created after a key, filtered", support.TicketFilter{Statuses: []support.Status{support.StatusOpen, support.StatusClosed},
				After: &support.PageKey{CreatedAt: at(3), ID: tk[3]}}, pick(2, 0)},
			{"everything at once", support.TicketFilter{CustomerID: bob.ID, Statuses: []support.Status{support.StatusClosed},
				Priorities: []support.Priority{support.PriorityUrgent}, AssigneeID: agent.ID, Tag: "billing", Query: "refund",
				CreatedAfter: at(2), CreatedBefore: at(3), Sort: support.SortPriority}, pick(2)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.f.Limit = 10
				got, err := db.ListTickets(t.Context(), tt.f)
				if err != nil {
					t.Fatalf("ListTickets: %v", err)
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("ListTickets = %v, want %v", ids(got), tt.want)
				}
			})
		}
	})
}

// TestQueueQueryBindsValues: the built statement holds placeholders only; every
// value, however hostile, is an argument.
func TestQueueQueryBindsValues(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		evil := "x'); DROP TABLE tickets; --"
		q, args := db.QueueQuery(support.TicketFilter{CustomerID: evil, Statuses: []support.Status{support.Status(evil)},
			Priorities: []support.Priority{support.Priority(evil)}, AssigneeID: evil, Tag: evil, Query: evil, Limit: 5,
			After: &support.PageKey{CreatedAt: t0, ID: evil}})
		if strings.Contains(q, "DROP") {
			t.Errorf("a value reached the SQL text:\n%s", q)
		}
		if len(args) < 8 {
			t.Errorf("args %v", args)
		}
		if _, err := db.ListTickets(t.Context(), support.TicketFilter{Tag: evil, Query: evil, Limit: 5}); err != nil {
			t.Errorf("ListTickets: %v", err)
		}
	})
}

// TestFullTextListingPaths: on PostgreSQL a full-text listing walks a window
// of the newest filtered tickets, and reads the match set when the window held
// too few matches (ticket_search_pg.go). With a window of 4 tickets, each path
// (a common word found in the window, a filter leaving fewer tickets than the
// window, a rare word found past it, a word in no ticket, every page of a
// listing) returns what a plain scan would, on both engines.
func TestFullTextListingPaths(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		db.SetSearchWindow(4)
		ctx := t.Context()
		ann, bob := mustUser(t, db), mustUser(t, db)
		const n = 40
		rare := map[int]bool{5: true, 33: true, 38: true}
		var tk []*support.Ticket // oldest first
		for i := range n {
			owner, status, text := bob.ID, support.StatusOpen, "common words"
			if i >= n-2 {
				owner = ann.ID
			}
			if i%2 == 1 {
				status = support.StatusClosed
			}
			if rare[i] {
				text += " rare"
			}
			at := t0.Add(time.Duration(i) * time.Minute)
			x := &support.Ticket{CustomerID: owner, Title: "Ticket", Description: text, Status: status, CreatedAt: at, UpdatedAt: at}
			if err := db.CreateTicket(ctx, x); err != nil {
				t.Fatalf("CreateTicket: %v", err)
			}
			tk = append(tk, x)
		}
		newest := func(keep func(i int) bool) []string { // ids newest first
			out := []string{}
			for i := n - 1; i >= 0; i-- {
				if keep(i) {
					out = append(out, tk[i].ID)
				}
			}
			return out
		}
		list := func(f support.TicketFilter) []string {
			got, err := db.ListTickets(ctx, f)
			if err != nil {
				t.Fatalf("ListTickets(%+v): %v", f, err)
			}
			ids := []string{}
			for _, x := range got {
				ids = append(ids, x.ID)
			}
			return ids
		}
		closed := []support.Status{support.StatusClosed}
		tests := []struct {
			name string
			f    support.TicketFilter
			want []string
		}{
			{"common word, in the window", support.TicketFilter{Query: "common", Limit: 3}, newest(func(i int) bool { return i >= n-3 })},
			{"common word and a filter", support.TicketFilter{Query: "common", Statuses: closed, Limit: 3}, newest(func(i int) bool { return i%2 == 1 && i >= n-6 })},
			{"rare word, past the window", support.TicketFilter{Query: "rare", Limit: 3}, newest(func(i int) bool { return rare[i] })},
			{"rare word, a page after", support.TicketFilter{Query: "rare", Limit: 1, After: &support.PageKey{CreatedAt: tk[38].CreatedAt, ID: tk[38].ID}}, newest(func(i int) bool { return i == 33 })},
			{"filter narrower than the window", support.TicketFilter{Query: "rare", CustomerID: ann.ID, Limit: 3}, newest(func(i int) bool { return i == 38 })},
			{"rare word and a filter", support.TicketFilter{Query: "rare", Statuses: closed, Limit: 3}, newest(func(i int) bool { return rare[i] && i%2 == 1 })},
			{"word in no ticket", support.TicketFilter{Query: "nowhere", Limit: 3}, []string{}},
		}
		for _, tt := range tests {
			if got := list(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		// Every page of a listing longer than the window, seven at a time.
		var all []string
		f := support.TicketFilter{Query: "common", Limit: 7}
		for range n {
			page, err := db.ListTickets(ctx, f)
			if err != nil {
				t.Fatalf("ListTickets: %v", err)
			}
			for _, x := range page {
				all = append(all, x.ID)
			}
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.After = &support.PageKey{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if want := newest(func(int) bool { return true }); !slices.Equal(all, want) {
			t.Errorf("paged: got %d tickets %v, want %d", len(all), all, len(want))
		}
	})
}
