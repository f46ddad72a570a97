package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/supportd/supportd/internal/support"
)

// CreateTicket stores t, its tags and its created event (by the customer) in
// one transaction. It fills in an empty ID, Status (open), Priority (normal)
// and Version (1), zero CreatedAt/UpdatedAt, and normalises the times and tags,
// so t afterwards equals what TicketByID returns.
func (db *DB) CreateTicket(ctx context.Context, t *support.Ticket) error {
	if err := db.stamp(&t.ID, &t.CreatedAt); err != nil {
		return err
	}
	t.UpdatedAt = orTime(t.UpdatedAt, t.CreatedAt)
	if t.Status == "" {
		t.Status = support.StatusOpen
	}
	if t.Priority == "" {
		t.Priority = support.PriorityNormal
	}
	t.Version = max(t.Version, 1)
	t.Tags = sortedTags(t.Tags)
	created := support.Event{TicketID: t.ID, ActorID: t.CustomerID, Type: support.EventCreated,
		New: support.EventValue(map[string]string{"status": string(t.Status), "priority": string(t.Priority)}), CreatedAt: t.CreatedAt}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q.createTicket,
			t.ID, t.CustomerID, t.Title, t.Description, string(t.Status),
			timestamp(t.CreatedAt), timestamp(t.UpdatedAt), string(t.Priority), nullIfEmpty(t.AssigneeID), t.Version)
		if err != nil {
			return err
		}
		if err := db.addTags(ctx, tx, t.ID, t.Tags); err != nil {
			return err
		}
		return db.addEvents(ctx, tx, created)
	})
	return db.translate("create ticket", err)
}

// TicketByID returns the ticket with id, or support.ErrNotFound.
func (db *DB) TicketByID(ctx context.Context, id string) (*support.Ticket, error) {
	var t support.Ticket
	err := scanTicket(db.sql.QueryRowContext(ctx, db.q.ticketByID, id), &t)
	if err != nil {
		return nil, db.translate("ticket by id", err)
	}
	return &t, nil
}

// ListTickets returns up to f.Limit tickets matching f in f.Sort's order (by
// default newest first: CreatedAt, then ID, descending), of f.CustomerID or of
// everyone when it is empty, starting strictly after f.After when it is set.
// The result is never nil.
func (db *DB) ListTickets(ctx context.Context, f support.TicketFilter) ([]support.Ticket, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: list tickets: limit %d is not positive", f.Limit)
	}
	if f.Query != "" && db.dialect.engine == postgresDialect.engine {
		tickets, err := db.searchTickets(ctx, f)
		return tickets, db.translate("search tickets", err)
	}
	query, args := db.listQuery(f)
	tickets, err := db.queryTickets(ctx, query, args)
	return tickets, db.translate("list tickets", err)
}

// listQuery picks the keyset-pagination variant that matches f and its
// arguments; the agent queue's filters and orders are built (queueQuery).
func (db *DB) listQuery(f support.TicketFilter) (string, []any) {
	switch {
	case f.Filtered():
		return db.queueQuery(f)
	case f.CustomerID != "" && f.After != nil:
		return db.q.listCustomerTicketsAfter, []any{f.CustomerID, timestamp(f.After.CreatedAt), f.After.ID, f.Limit}
	case f.CustomerID != "":
		return db.q.listCustomerTickets, []any{f.CustomerID, f.Limit}
	case f.After != nil:
		return db.q.listTicketsAfter, []any{timestamp(f.After.CreatedAt), f.After.ID, f.Limit}
	}
	return db.q.listTickets, []any{f.Limit}
}

func scanTicket(row rowScanner, t *support.Ticket) error {
	var assignee, tags sql.NullString
	err := row.Scan(&t.ID, &t.CustomerID, &t.Title, &t.Description, &t.Status,
		(*timestamp)(&t.CreatedAt), (*timestamp)(&t.UpdatedAt), &t.Priority, &assignee, &t.Version, &tags)
	t.AssigneeID, t.Tags = assignee.String, sortedTags(strings.Fields(tags.String))
	return err
}
