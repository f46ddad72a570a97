package support

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ExportStore is what an export of a user's data reads.
type ExportStore interface {
	UserByID(ctx context.Context, id string) (*User, error)
	UserSessions(ctx context.Context, userID string) ([]Session, error)
	ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error)
	Messages(ctx context.Context, ticketID string) ([]Message, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Export is everything supportd holds about a user, as that user may see it.
type Export struct {
	ExportedAt time.Time
	Account    *User
	Sessions   []Session
	Tickets    []ExportedTicket
	Audit      []AuditEntry // what the user did, and what was done to the account
}

// ExportedTicket is one of the user's tickets with its thread.
type ExportedTicket struct {
	Ticket   Ticket
	Messages []Message
}

// maxExportAudit bounds the audit entries of an export (each query's share).
const maxExportAudit = 5000

// Exporter gathers a user's data for GET /auth/me/export.
type Exporter struct {
	store ExportStore
	now   func() time.Time
}

// NewExporter returns an Exporter reading store.
func NewExporter(store ExportStore, now func() time.Time) *Exporter {
	return &Exporter{store: store, now: now}
}

// Export returns everything supportd holds about the caller: the account, its
// sessions, the tickets it opened with their threads (as the caller sees them:
// no internal notes), and the audit entries about it.
func (e *Exporter) Export(ctx context.Context, actor Actor) (*Export, error) {
	u, err := e.store.UserByID(ctx, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("export account: %w", err)
	}
	out := &Export{ExportedAt: e.now().UTC().Truncate(time.Microsecond), Account: u}
	if out.Sessions, err = e.store.UserSessions(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("export sessions: %w", err)
	}
	if out.Tickets, err = e.tickets(ctx, u.ID); err != nil {
		return nil, err
	}
	if out.Audit, err = e.audit(ctx, u.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// tickets reads every ticket the user opened, page by page, with its thread.
func (e *Exporter) tickets(ctx context.Context, userID string) ([]ExportedTicket, error) {
	var out []ExportedTicket
	f := TicketFilter{CustomerID: userID, Limit: MaxPageSize}
	for {
		page, err := e.store.ListTickets(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("export tickets: %w", err)
		}
		for _, t := range page {
			msgs, err := e.store.Messages(ctx, t.ID)
			if err != nil {
				return nil, fmt.Errorf("export messages: %w", err)
			}
			out = append(out, ExportedTicket{Ticket: t, Messages: msgs})
		}
		if len(page) < f.Limit {
			return out, nil
		}
		last := page[len(page)-1]
		f.After = &PageKey{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// audit reads the entries the user acted in or was the target of, newest first.
func (e *Exporter) audit(ctx context.Context, userID string) ([]AuditEntry, error) {
	byActor, err := e.store.ListAudit(ctx, AuditFilter{ActorID: userID, Limit: maxExportAudit})
	if err != nil {
		return nil, fmt.Errorf("export audit: %w", err)
	}
	onAccount, err := e.store.ListAudit(ctx, AuditFilter{TargetID: userID, Limit: maxExportAudit})
	if err != nil {
		return nil, fmt.Errorf("export audit: %w", err)
	}
	all := append(byActor, onAccount...)
	slices.SortFunc(all, func(a, b AuditEntry) int { return int(b.ID - a.ID) })
	return slices.CompactFunc(all, func(a, b AuditEntry) bool { return a.ID == b.ID }), nil
}
