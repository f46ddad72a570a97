package support

import "context"

// UserStore persists accounts. Implementations return ErrNotFound for a missing row
// and ErrDuplicateEmail when EmailKey is taken.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmailKey(ctx context.Context, emailKey string) (*User, error)
}

// TicketStore persists tickets and their threads. Implementations return ErrNotFound
// for a missing ticket.
type TicketStore interface {
	CreateTicket(ctx context.Context, t *Ticket) error
	TicketByID(ctx context.Context, id string) (*Ticket, error)
	// ListTickets returns up to f.Limit tickets ordered by (CreatedAt, ID) descending.
	ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error)
	// AddMessage stores m and sets the ticket's UpdatedAt to m.CreatedAt, atomically.
	AddMessage(ctx context.Context, m *Message) error
	// Messages returns a ticket's thread ordered by (CreatedAt, ID) ascending; empty,
	// not ErrNotFound, for a missing ticket.
	Messages(ctx context.Context, ticketID string) ([]Message, error)
}
