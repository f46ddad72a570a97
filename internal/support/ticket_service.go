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
	store  TicketStore
	log    *slog.Logger
	now    func() time.Time
	newID  func() string
	limits ThreadLimits
	// Attachments (attachment.go); nil until WithAttachments.
	blobs      BlobStore
	files      AttachmentStore
	fileLimits AttachmentLimits
}

// ThreadLimits bound a ticket's thread and what one read of it returns.
type ThreadLimits struct {
	MaxMessages    int // messages a ticket may hold; 0: unbounded
	RecentMessages int // newest messages Ticket returns; 0: DefaultRecentMessages
}

// DefaultRecentMessages is how many messages Ticket returns when ThreadLimits leaves it unset.
const DefaultRecentMessages = 100

// NewTicketService wires a TicketService.
func NewTicketService(store TicketStore, log *slog.Logger, now func() time.Time, newID func() string, limits ThreadLimits) *TicketService {
	if limits.RecentMessages <= 0 {
		limits.RecentMessages = DefaultRecentMessages
	}
	return &TicketService{store: store, log: log, now: now, newID: newID, limits: limits}
}

// WithAttachments lets messages carry files kept in blobs. Wiring only: call
// it before the service is used.
func (s *TicketService) WithAttachments(blobs BlobStore, files AttachmentStore, lim AttachmentLimits) *TicketService {
	if lim.MaxSize <= 0 {
		lim.MaxSize = DefaultAttachmentMaxSize
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = DefaultAttachmentMaxFiles
	}
	s.blobs, s.files, s.fileLimits = blobs, files, lim
	return s
}

// AttachmentLimits are the limits on files in force.
func (s *TicketService) AttachmentLimits() AttachmentLimits { return s.fileLimits }

// ThreadFull is the error for a message sent to a ticket that already holds
// maxMessages messages.
func ThreadFull(maxMessages int) *Error {
	return Errorf(CodeInvalid, "ticket has reached its limit of %d messages; open a new ticket", maxMessages)
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
		Status: StatusOpen, Priority: PriorityNormal, Tags: []string{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateTicket(ctx, t); err != nil {
		return nil, fmt.Errorf("create ticket: %w", err)
	}
	return t, nil
}

// TicketDetail is a ticket with the newest part of its thread.
type TicketDetail struct {
	Ticket   *Ticket
	Messages []Message // the newest ThreadLimits.RecentMessages, oldest first
	// OlderCursor is empty when Messages is the whole thread; otherwise it is the
	// before-cursor for Thread that pages backward through the older messages.
	OlderCursor string
}

// Ticket returns a ticket the actor may see and the newest part of its thread
// (ThreadLimits.RecentMessages messages), oldest first.
func (s *TicketService) Ticket(ctx context.Context, actor Actor, id string) (*Ticket, []Message, error) {
	d, err := s.TicketDetail(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	return d.Ticket, d.Messages, nil
}

// TicketDetail is Ticket plus where the older messages continue.
func (s *TicketService) TicketDetail(ctx context.Context, actor Actor, id string) (*TicketDetail, error) {
	n := s.limits.RecentMessages
	t, msgs, err := s.visibleThread(ctx, actor, ThreadFilter{TicketID: id, Backward: true, Limit: n + 1})
	if err != nil {
		return nil, err
	}
	d := &TicketDetail{Ticket: t, Messages: msgs}
	if len(msgs) > n { // the extra row is the oldest: older messages exist
		d.Messages = msgs[1:]
		d.OlderCursor = encodeCursor(messageKey(d.Messages[0]))
	}
	return d, nil
}

// ThreadPage is one page of a ticket's thread, oldest first. NextCursor (for
// forward walks) and PrevCursor (for backward walks) are empty when the walk
// is over.
type ThreadPage struct {
	Messages   []Message
	NextCursor string
	PrevCursor string
}

// Thread returns a page of a ticket the actor may see, oldest first. With
// cursor (or neither cursor) it walks forward: the first page, or the messages
// after cursor. With before it walks backward: the messages just before it.
// Both take the opaque cursors of ListTickets' format.
func (s *TicketService) Thread(ctx context.Context, actor Actor, ticketID, cursor, before string, limit int) (*ThreadPage, error) {
	if cursor != "" && before != "" {
		return nil, Errorf(CodeBadRequest, "cursor and before cannot be combined: cursor walks forward, before walks backward")
	}
	f := ThreadFilter{TicketID: ticketID, Backward: before != ""}
	raw := cursor
	if f.Backward {
		raw = before
	}
	var err error
	if f.Key, err = decodeCursor(raw); err != nil {
		return nil, err
	}
	if limit, err = pageSize(limit); err != nil {
		return nil, err
	}
	f.Limit = limit + 1 // one extra row says whether the walk goes on
	_, msgs, err := s.visibleThread(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	page := &ThreadPage{Messages: msgs}
	switch {
	case len(msgs) <= limit:
	case f.Backward: // the extra row is the oldest
		page.Messages = msgs[1:]
		page.PrevCursor = encodeCursor(messageKey(page.Messages[0]))
	default:
		page.Messages = msgs[:limit]
		page.NextCursor = encodeCursor(messageKey(page.Messages[limit-1]))
	}
	return page, nil
}

// visibleThread loads a ticket, applies the object-level policy, and reads the
// page f of its thread. The page is read while the ticket is checked, saving a
// round trip; it is dropped unless the check passes.
func (s *TicketService) visibleThread(ctx context.Context, actor Actor, f ThreadFilter) (*Ticket, []Message, error) {
	if _, err := uuid.Parse(f.TicketID); err != nil {
		return nil, nil, errTicketNotFound
	}
	type result struct {
		msgs []Message
		err  error
	}
	thread := make(chan result, 1)
	go func() {
		msgs, err := s.store.ThreadPage(ctx, f)
		thread <- result{msgs, err}
	}()
	t, err := s.visibleTicket(ctx, actor, f.TicketID)
	page := <-thread
	if err != nil {
		return nil, nil, err
	}
	if page.err != nil {
		return nil, nil, fmt.Errorf("load messages: %w", page.err)
	}
	return t, page.msgs, nil
}

func messageKey(m Message) PageKey { return PageKey{CreatedAt: m.CreatedAt, ID: m.ID} }

// AddMessage appends the actor's message to a ticket it may see.
func (s *TicketService) AddMessage(ctx context.Context, actor Actor, ticketID, content string) (*Message, error) {
	var v validator
	v.text("content", content, 1, MaxContentLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.addMessage(ctx, actor, ticketID, content, nil)
}

// addMessage stores a message with the files already in the blob store (and
// their events), retrying when the ticket's status moved meanwhile.
func (s *TicketService) addMessage(ctx context.Context, actor Actor, ticketID, content string, files []Attachment) (*Message, error) {
	for attempt := 1; ; attempt++ {
		t, err := s.visibleTicket(ctx, actor, ticketID)
		if err != nil {
			return nil, err
		}
		if err := acceptsMessages(t); err != nil {
			return nil, err
		}
		now := s.timestamp()
		m := &Message{ID: s.newID(), TicketID: t.ID, AuthorID: actor.UserID, Sender: actor.sender(),
			Content: content, CreatedAt: now, Attachments: files, AttachmentCount: len(files)}
		for i := range m.Attachments {
			m.Attachments[i].MessageID, m.Attachments[i].CreatedAt = m.ID, now
		}
		w := &MessageWrite{MaxMessages: s.limits.MaxMessages, Quota: s.fileLimits.Quota, Seen: t.Status, Status: t.Status, Message: m}
		if actor.reopensOnMessage(t) {
			w.Status = StatusOpen
			w.Events = []Event{{TicketID: t.ID, ActorID: actor.UserID, Type: EventStatus,
				Old: EventValue(t.Status), New: EventValue(StatusOpen), CreatedAt: now}}
		}
		w.Events = append(w.Events, AttachmentEvents(m.Attachments, false)...)
		err = s.store.AddTicketMessage(ctx, w)
		switch {
		case err == nil:
			return w.Message, nil
		case !errors.Is(err, ErrStatusMoved) || attempt == writeAttempts:
			var de *Error
			if errors.As(err, &de) {
				return nil, err
			}
			return nil, fmt.Errorf("add message: %w", err)
		}
	}
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
