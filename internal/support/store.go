package support

import "context"

// UserStore persists accounts. Implementations return ErrNotFound for a missing row
// and ErrDuplicateEmail when EmailKey is taken.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByEmailKey(ctx context.Context, emailKey string) (*User, error)
}

// AccountStore is what managing accounts needs beyond UserStore. UpdateUser
// applies change atomically and refuses (ErrLastAdmin) a change that leaves no
// active admin.
type AccountStore interface {
	UserStore
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)
	UpdateUser(ctx context.Context, id string, change func(*User) error) (*User, error)
	HasActiveAdmin(ctx context.Context) (bool, error)
	SessionStore
}

// TicketStore persists tickets and their threads. Implementations return ErrNotFound
// for a missing ticket.
type TicketStore interface {
	WorkflowStore
	// CreateTicket stores t with its created event, atomically.
	CreateTicket(ctx context.Context, t *Ticket) error
	TicketByID(ctx context.Context, id string) (*Ticket, error)
	// ListTickets returns up to f.Limit tickets ordered by (CreatedAt, ID) descending.
	ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error)
	// AddMessageCapped stores m and sets the ticket's UpdatedAt to m.CreatedAt,
	// atomically, unless the ticket already holds maxMessages messages (0: no
	// bound): then it refuses m with ThreadFull. The count and the insert are
	// atomic, so concurrent calls never overshoot the cap.
	AddMessageCapped(ctx context.Context, m *Message, maxMessages int) error
	// Messages returns a ticket's thread ordered by (CreatedAt, ID) ascending; empty,
	// not ErrNotFound, for a missing ticket.
	Messages(ctx context.Context, ticketID string) ([]Message, error)
	// ThreadPage returns up to f.Limit messages of a ticket's thread (see
	// ThreadFilter), ordered by (CreatedAt, ID) ascending; empty for a missing ticket.
	ThreadPage(ctx context.Context, f ThreadFilter) ([]Message, error)
}

// ThreadFilter selects a page of a ticket's thread, keyset-paginated on
// (CreatedAt, ID). A forward page starts at the oldest message, or strictly after
// Key; a backward page ends at the newest message, or strictly before Key.
// Either way the page comes back oldest first.
type ThreadFilter struct {
	TicketID string
	Key      *PageKey
	Backward bool
	Limit    int
}
