package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

func TestListTickets(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann, bob := mustUser(t, db), mustUser(t, db)
		var annIDs, bobIDs []string // oldest first
		for i := range 5 {
			annIDs = append(annIDs, mustTicket(t, db, ann.ID, t0.Add(time.Duration(2*i)*time.Minute)).ID)
		}
		for i := range 3 {
			bobIDs = append(bobIDs, mustTicket(t, db, bob.ID, t0.Add(time.Duration(2*i+1)*time.Minute)).ID)
		}
		// ann's tickets are at even minutes 0-8, bob's at odd minutes 1-5.
		all := []string{annIDs[4], annIDs[3], bobIDs[2], annIDs[2], bobIDs[1], annIDs[1], bobIDs[0], annIDs[0]}
		after := func(id string, minute int) *support.PageKey {
			return &support.PageKey{CreatedAt: t0.Add(time.Duration(minute) * time.Minute), ID: id}
		}
		tests := []struct {
			name   string
			filter support.TicketFilter
			want   []string
		}{
			{"one customer newest first", support.TicketFilter{CustomerID: ann.ID, Limit: 10}, reversed(annIDs)},
			{"other customer isolated", support.TicketFilter{CustomerID: bob.ID, Limit: 10}, reversed(bobIDs)},
			{"limit honoured", support.TicketFilter{CustomerID: ann.ID, Limit: 2}, []string{annIDs[4], annIDs[3]}},
			{"after a key", support.TicketFilter{CustomerID: ann.ID, After: after(annIDs[2], 4), Limit: 10}, []string{annIDs[1], annIDs[0]}},
			{"after the last", support.TicketFilter{CustomerID: ann.ID, After: after(annIDs[0], 0), Limit: 10}, []string{}},
			{"unknown customer", support.TicketFilter{CustomerID: "nobody", Limit: 10}, []string{}},
			{"everyone", support.TicketFilter{Limit: 100}, all},
			{"everyone limited", support.TicketFilter{Limit: 3}, all[:3]},
			{"everyone after a key", support.TicketFilter{After: after(bobIDs[1], 3), Limit: 100}, all[5:]},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.ListTickets(t.Context(), tt.filter)
				if err != nil {
					t.Fatalf("ListTickets: %v", err)
				}
				if got == nil {
					t.Error("ListTickets returned nil, want an empty slice")
				}
				if !slices.Equal(ids(got), tt.want) {
					t.Errorf("ListTickets = %v, want %v", ids(got), tt.want)
				}
			})
		}
		if _, err := db.ListTickets(t.Context(), support.TicketFilter{Limit: 0}); err == nil {
			t.Error("ListTickets with Limit 0 succeeded, want an error")
		}
	})
}

func TestListTicketsKeysetPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ann, bob := mustUser(t, db), mustUser(t, db)
		var annTickets, allTickets []support.Ticket
		// 30 tickets over only 4 instants, so most ties are broken by ID alone,
		// with IDs handed out out of time order; every third belongs to bob.
		for i := range 30 {
			owner := ann
			if i%3 == 0 {
				owner = bob
			}
			tk := &support.Ticket{
				ID: fmt.Sprintf("t-%02d", (i*7)%30), CustomerID: owner.ID, Title: "t", Description: "d",
				CreatedAt: t0.Add(time.Duration(i%4) * time.Second),
			}
			if err := db.CreateTicket(t.Context(), tk); err != nil {
				t.Fatalf("CreateTicket: %v", err)
			}
			allTickets = append(allTickets, *tk)
			if owner == ann {
				annTickets = append(annTickets, *tk)
			}
		}
		tests := []struct {
			name     string
			customer string
			want     []string
		}{
			{"one customer", ann.ID, newestFirst(annTickets)},
			{"everyone", "", newestFirst(allTickets)},
		}
		for _, tt := range tests {
			for _, size := range []int{1, 3, 7, 100} {
				t.Run(fmt.Sprintf("%s/page size %d", tt.name, size), func(t *testing.T) {
					got := collectPages(t, db, support.TicketFilter{CustomerID: tt.customer, Limit: size}, len(tt.want))
					if !slices.Equal(got, tt.want) {
						t.Errorf("pages visited %v, want each ticket once in order %v", got, tt.want)
					}
				})
			}
		}
	})
}

// newestFirst returns the IDs of tickets in the order the store promises:
// CreatedAt then ID, descending, IDs compared byte by byte.
func newestFirst(tickets []support.Ticket) []string {
	sorted := slices.Clone(tickets)
	slices.SortFunc(sorted, func(a, b support.Ticket) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return ids(sorted)
}

// collectPages follows keyset pages from f until a short page, like a client would.
func collectPages(t *testing.T, db *store.DB, f support.TicketFilter, total int) []string {
	t.Helper()
	var got []string
	for range total + 2 { // a bound, so a cursor that never advances fails instead of hanging
		page, err := db.ListTickets(t.Context(), f)
		if err != nil {
			t.Fatalf("ListTickets: %v", err)
		}
		if len(page) > f.Limit {
			t.Fatalf("page of %d tickets, limit %d", len(page), f.Limit)
		}
		got = append(got, ids(page)...)
		if len(page) < f.Limit {
			return got
		}
		last := page[len(page)-1]
		f.After = &support.PageKey{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	t.Fatalf("pagination did not end after %d pages; got %v", total+2, got)
	return nil
}
