package support

import "time"

// Status is a ticket's workflow state.
type Status string

// Ticket statuses. A new ticket is open; who may move it where is in policy.go.
const (
	StatusOpen     Status = "open"
	StatusPending  Status = "pending" // waiting on the customer
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusOpen, StatusPending, StatusResolved, StatusClosed:
		return true
	}
	return false
}

// Sender says who wrote a message.
type Sender string

// Senders, as in the contract.
const (
	SenderUser  Sender = "user"
	SenderAgent Sender = "agent"
	SenderAI    Sender = "ai"
)

// Ticket is a customer's support request.
type Ticket struct {
	ID          string
	CustomerID  string
	Title       string
	Description string
	Status      Status
	Priority    Priority
	AssigneeID  string   // an agent or admin; "" when unassigned
	Tags        []string // sorted, normalised (NormalizeTags); never nil once stored or loaded
	Version     int64    // incremented by every change: the ETag of optimistic concurrency
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Message is one entry of a ticket's thread. AuthorID is empty for AI messages.
type Message struct {
	ID        string
	TicketID  string
	AuthorID  string
	Sender    Sender
	Content   string
	CreatedAt time.Time
	AI        *AIMeta // set on AI messages only
}

// PageKey is the position of a ticket in newest-first order, used for keyset pagination.
type PageKey struct {
	CreatedAt time.Time
	ID        string
}

// TicketFilter selects a page of tickets, newest first.
type TicketFilter struct {
	CustomerID string   // only this customer's tickets; empty means all (staff)
	After      *PageKey // start strictly after this key
	Limit      int
}
