package support

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Page size limits for ticket listings.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// TicketService holds the ticket rules: validation, ownership and thread order.
type TicketService struct {
	store TicketStore
	log   *slog.Logger
	now   func() time.Time
	newID func() string
}

// NewTicketService wires a TicketService.
func NewTicketService(store TicketStore, log *slog.Logger, now func() time.Time, newID func() string) *TicketService {
	return &TicketService{store: store, log: log, now: now, newID: newID}
}

// NewTicket is the input of CreateTicket.
type NewTicket struct {
	Title       string
	Description string
}

// TicketPage is one page of a listing; NextCursor is empty on the last page.
type TicketPage struct {
	Tickets    []Ticket
	NextCursor string
}

// CreateTicket opens a ticket owned by the actor.
func (s *TicketService) CreateTicket(ctx context.Context, actor Actor, in NewTicket) (*Ticket, error) {
	var v validator
	v.text("title", in.Title, 1, MaxTitleLen)
	v.text("description", in.Description, 0, MaxDescriptionLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	now := s.timestamp()
	t := &Ticket{ID: s.newID(), CustomerID: actor.UserID, Title: in.Title, Description: in.Description,
		Status: StatusOpen, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateTicket(ctx, t); err != nil {
		return nil, fmt.Errorf("create ticket: %w", err)
	}
	return t, nil
}

// ListTickets returns a page of the tickets the actor may see, newest first.
func (s *TicketService) ListTickets(ctx context.Context, actor Actor, cursor string, limit int) (*TicketPage, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 0:
		return nil, Invalid(FieldError{Field: "limit", Message: "must be at least 1", Value: limit})
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	// Fetch one extra row to learn whether another page exists.
	tickets, err := s.store.ListTickets(ctx, TicketFilter{CustomerID: actor.ticketScope(), After: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	page := &TicketPage{Tickets: tickets}
	if len(tickets) > limit {
		page.Tickets = tickets[:limit]
		last := page.Tickets[limit-1]
		page.NextCursor = encodeCursor(PageKey{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// Ticket returns a ticket the actor may see and its thread, oldest first.
func (s *TicketService) Ticket(ctx context.Context, actor Actor, id string) (*Ticket, []Message, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, errTicketNotFound
	}
	// The thread is read while the ticket is checked, saving a round trip; it is
	// dropped unless the check passes.
	thread := make(chan []Message, 1)
	var msgErr error
	go func() {
		msgs, err := s.store.Messages(ctx, id)
		msgErr = err
		thread <- msgs
	}()
	t, err := s.visibleTicket(ctx, actor, id)
	msgs := <-thread
	if err != nil {
		return nil, nil, err
	}
	if msgErr != nil {
		return nil, nil, fmt.Errorf("load messages: %w", msgErr)
	}
	return t, msgs, nil
}

// AddMessage appends the actor's message to a ticket it may see.
func (s *TicketService) AddMessage(ctx context.Context, actor Actor, ticketID, content string) (*Message, error) {
	var v validator
	v.text("content", content, 1, MaxContentLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	t, err := s.visibleTicket(ctx, actor, ticketID)
	if err != nil {
		return nil, err
	}
	m := &Message{ID: s.newID(), TicketID: t.ID, AuthorID: actor.UserID, Sender: actor.sender(),
		Content: content, CreatedAt: s.timestamp()}
	if err := s.store.AddMessage(ctx, m); err != nil {
		return nil, fmt.Errorf("add message: %w", err)
	}
	return m, nil
}

// visibleTicket loads a ticket and applies the object-level policy. A ticket the actor
// may not see is reported exactly like one that does not exist.
func (s *TicketService) visibleTicket(ctx context.Context, actor Actor, id string) (*Ticket, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errTicketNotFound
	}
	t, err := s.store.TicketByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, errTicketNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket: %w", err)
	}
	if err := s.checkVisible(ctx, actor, t); err != nil {
		return nil, err
	}
	return t, nil
}

// checkVisible applies the object-level policy to a loaded ticket (nil: none found).
func (s *TicketService) checkVisible(ctx context.Context, actor Actor, t *Ticket) error {
	if t == nil {
		return errTicketNotFound
	}
	if !actor.canViewTicket(t) {
		s.log.WarnContext(ctx, "ticket access denied", "user_id", actor.UserID, "ticket_id", t.ID)
		return errTicketNotFound
	}
	return nil
}

var errTicketNotFound = Errorf(CodeNotFound, "Ticket not found")

func (s *TicketService) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

type cursorJSON struct {
	T  time.Time `json:"t"`
	ID string    `json:"id"`
}

func encodeCursor(k PageKey) string {
	b, _ := json.Marshal(cursorJSON{T: k.CreatedAt, ID: k.ID}) // cannot fail for these types
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*PageKey, error) {
	if s == "" {
		return nil, nil
	}
	bad := &Error{Code: CodeBadRequest, Message: "malformed cursor"}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursorJSON
	if err := json.Unmarshal(raw, &c); err != nil || c.T.IsZero() {
		return nil, bad
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return nil, bad
	}
	return &PageKey{CreatedAt: c.T.UTC(), ID: c.ID}, nil
}
