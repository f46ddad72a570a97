package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

func TestAddMessage(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		if got, err := db.Messages(ctx, tk.ID); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Messages(new ticket) = %v, %v; want an empty slice", got, err)
		}
		added := []*support.Message{
			{ID: "m-2", TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: "hello", CreatedAt: t0.Add(time.Minute)},
			{ID: "m-3", TicketID: tk.ID, Sender: support.SenderAI, Content: "How can I help?", CreatedAt: t0.Add(2 * time.Minute)},
			{ID: "m-1", TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderAgent, Content: "same instant", CreatedAt: t0.Add(2 * time.Minute)},
			{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: "now"}, // ID and time filled in
		}
		for _, m := range added {
			if err := db.AddMessage(ctx, m); err != nil {
				t.Fatalf("AddMessage(%q): %v", m.Content, err)
			}
			got, err := db.TicketByID(ctx, tk.ID)
			if err != nil {
				t.Fatalf("TicketByID: %v", err)
			}
			checkTime(t, "UpdatedAt after "+m.Content, got.UpdatedAt, m.CreatedAt)
			checkTime(t, "CreatedAt after "+m.Content, got.CreatedAt, tk.CreatedAt)
		}
		got, err := db.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatalf("Messages: %v", err)
		}
		want := []*support.Message{added[0], added[2], added[1], added[3]} // oldest first, ties by ID
		if len(got) != len(want) {
			t.Fatalf("Messages returned %d messages, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.ID != w.ID || g.TicketID != w.TicketID || g.AuthorID != w.AuthorID || g.Sender != w.Sender || g.Content != w.Content {
				t.Errorf("message %d = %+v, want %+v", i, g, *w)
			}
			checkTime(t, "message CreatedAt", g.CreatedAt, w.CreatedAt)
		}
	})
}

func TestMessagesMissingTicket(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		err := db.AddMessage(t.Context(), &support.Message{TicketID: "no-such-ticket", AuthorID: u.ID, Sender: support.SenderUser, Content: "x"})
		if !errors.Is(err, support.ErrNotFound) {
			t.Errorf("AddMessage(missing ticket) error = %v, want ErrNotFound", err)
		}
		if msgs, err := db.Messages(t.Context(), "no-such-ticket"); err != nil || msgs == nil || len(msgs) != 0 {
			t.Errorf("Messages(missing ticket) = %v, %v; want an empty thread", msgs, err)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	const n = 40
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		thread := mustTicket(t, db, u.ID, time.Time{})
		errs := make(chan error, 2*n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs <- db.CreateTicket(ctx, &support.Ticket{CustomerID: u.ID, Title: fmt.Sprint(i), Description: "d"})
			})
			wg.Go(func() { // a transaction per call: the case _txlock=immediate is for
				errs <- db.AddMessage(ctx, &support.Message{TicketID: thread.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: fmt.Sprint(i)})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent write: %v", err)
			}
		}
		tickets, err := db.ListTickets(ctx, support.TicketFilter{CustomerID: u.ID, Limit: 2 * n})
		if err != nil || len(tickets) != n+1 {
			t.Errorf("ListTickets = %d tickets, %v; want %d", len(tickets), err, n+1)
		}
		msgs, err := db.Messages(ctx, thread.ID)
		if err != nil || len(msgs) != n {
			t.Errorf("Messages = %d messages, %v; want %d", len(msgs), err, n)
		}
	})
}
