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
	// Attachments are the files the message carries (issue 13), oldest first;
	// AttachmentCount says how many there are, also where they are not loaded.
	Attachments     []Attachment
	AttachmentCount int
}

// PageKey is the position of a ticket (or message, article, account) in its
// listing's order, used for keyset pagination. CreatedAt holds the time the
// listing sorts by: the creation time, or the update time for SortUpdated.
// Rank is the priority rank (Priority.Rank), set for SortPriority only.
type PageKey struct {
	CreatedAt time.Time
	ID        string
	Rank      int
}

// TicketSort is the order of a ticket listing; every order ends with the id,
// so it is total and keyset pages neither skip nor repeat a ticket.
type TicketSort string

// Ticket listing orders.
const (
	SortCreated  TicketSort = "created"  // newest first (CreatedAt, ID descending); the default
	SortUpdated  TicketSort = "updated"  // most recently updated first (UpdatedAt, ID descending)
	SortPriority TicketSort = "priority" // urgent first, then newest (Rank, CreatedAt, ID descending)
)

// Valid reports whether s is a known order.
func (s TicketSort) Valid() bool {
	switch s {
	case SortCreated, SortUpdated, SortPriority:
		return true
	}
	return false
}

// TicketFilter selects a page of tickets. Empty fields do not filter; the
// filters combine with AND, the values within Statuses and Priorities with OR.
type TicketFilter struct {
	CustomerID    string     // only this customer's tickets; empty means all (staff)
	Statuses      []Status   // any of these statuses
	Priorities    []Priority // any of these priorities
	AssigneeID    string     // assigned to this user
	Unassigned    bool       // assigned to nobody (exclusive with AssigneeID)
	Tag           string     // carrying this tag
	CreatedAfter  time.Time  // created at or after
	CreatedBefore time.Time  // created strictly before
	UpdatedAfter  time.Time  // updated at or after
	UpdatedBefore time.Time  // updated strictly before
	Query         string     // full text over title, description and messages (never notes)
	Sort          TicketSort // "": SortCreated
	After         *PageKey   // start strictly after this key (in Sort's order)
	Limit         int
}

// Filtered reports whether f selects by anything but the customer, or sorts
// other than newest first: the listings the agent queue adds.
func (f *TicketFilter) Filtered() bool {
	return len(f.Statuses) > 0 || len(f.Priorities) > 0 || f.AssigneeID != "" || f.Unassigned || f.Tag != "" ||
		!f.CreatedAfter.IsZero() || !f.CreatedBefore.IsZero() || !f.UpdatedAfter.IsZero() || !f.UpdatedBefore.IsZero() ||
		f.Query != "" || (f.Sort != "" && f.Sort != SortCreated)
}
