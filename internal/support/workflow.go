package support

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Priority is how urgent a ticket is.
type Priority string

// Priorities; a new ticket is normal.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return true
	}
	return false
}

// Limits on a ticket's tags.
const (
	MaxTags   = 20
	MaxTagLen = 32
)

var tagPattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// TagNeedsPerson is the tag the assistant puts on a ticket whose question it
// declined: a person from the team must answer. Removing it is how staff say
// the ticket is handled.
const TagNeedsPerson = "needs-person"

// NormalizeTag is the stored form of a tag: without surrounding white space, lower-cased.
func NormalizeTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ticketTags validates a whole new set of tags and returns it normalised,
// without duplicates, sorted.
func (v *validator) ticketTags(field string, tags []string) []string {
	out := make([]string, 0, len(tags))
	for i, raw := range tags {
		t := NormalizeTag(raw)
		if !tagPattern.MatchString(t) {
			v.add(field+"["+strconv.Itoa(i)+"]", "must be 1 to 32 characters of a-z, 0-9, - and _", excerpt(raw))
			continue
		}
		out = append(out, t)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxTags {
		v.add(field, "must hold at most "+strconv.Itoa(MaxTags)+" tags", nil)
	}
	return out
}

// EventType says what a ticket event records.
type EventType string

// Event types. Message, note and ai_reply events carry the new row's id as
// their new value; ai_reply_started and ai_reply_failed the AI reply's id (a
// completed reply is its message's ai_reply event).
const (
	EventCreated  EventType = "created"
	EventStatus   EventType = "status"
	EventPriority EventType = "priority"
	EventAssignee EventType = "assignee"
	EventTags     EventType = "tags"
	EventMessage  EventType = "message"
	EventNote     EventType = "note"
	EventAIReply  EventType = "ai_reply"
	// EventAttachment records a file sent with a message or a note (internal then).
	EventAttachment EventType = "attachment"

	EventAIReplyStarted EventType = "ai_reply_started"
	EventAIReplyFailed  EventType = "ai_reply_failed"
)

// Event is one entry of a ticket's history, written in the same transaction as
// the change it records. IDs are one global order across tickets, so the log
// can be read from a cursor.
type Event struct {
	ID        int64
	TicketID  string
	ActorID   string // "" for the AI or the system
	Type      EventType
	Old, New  json.RawMessage // JSON; nil is null
	Internal  bool            // staff only (notes)
	CreatedAt time.Time
}

// EventValue is v as an event's old or new value; "" and nil are null.
func EventValue(v any) json.RawMessage {
	if v == nil || v == "" {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("support: event value: " + err.Error()) // only strings and string slices are passed
	}
	return b
}

// EventFilter selects a page of a ticket's events, oldest first.
type EventFilter struct {
	TicketID        string
	After           int64 // start strictly after this event id
	Limit           int
	IncludeInternal bool
}

// NoteFilter selects a page of a ticket's notes, oldest first by (CreatedAt, ID).
type NoteFilter struct {
	TicketID string
	After    string // start strictly after this note of the ticket; "" from the first
	Limit    int
}

// Note is a staff-only remark on a ticket. Notes live apart from messages, so
// nothing that reads a thread can include one.
type Note struct {
	ID          string
	TicketID    string
	AuthorID    string
	Content     string
	CreatedAt   time.Time
	Attachments []Attachment // files sent with the note (staff only, like the note)
}

// TicketChanges is a PATCH of a ticket: nil fields are left as they are.
type TicketChanges struct {
	Status     *Status
	Priority   *Priority
	AssigneeID *string   // "" unassigns
	Tags       *[]string // the whole new set
}

func (c TicketChanges) empty() bool {
	return c.Status == nil && c.Priority == nil && c.AssigneeID == nil && c.Tags == nil
}

// TicketUpdate is what UpdateTicket writes: the ticket's new state, applied only
// while its version is still Version, with the events recording the change.
type TicketUpdate struct {
	Ticket      *Ticket // the new state; its Version and UpdatedAt are set by the write
	Version     int64   // the version the change was decided on
	TagsChanged bool
	Events      []Event
}

// MessageWrite is a message with what it does to its ticket: the status the
// service decided on (Seen) and the one after it (Status: a reopen), with the
// status events. The message's own event is written by the store.
type MessageWrite struct {
	Message     *Message
	MaxMessages int // 0: no bound
	// Quota bounds the bytes of files the message's author may have stored,
	// these included (0: no bound); the store refuses with ErrQuotaExceeded.
	Quota  int64
	Seen   Status
	Status Status
	Events []Event
}

// ErrVersionMoved is returned by UpdateTicket when the ticket's version is no
// longer the one the update was decided on.
var ErrVersionMoved = Errorf(CodeStale, "The ticket has changed; read it again")

// ErrStatusMoved is returned by AddTicketMessage when the ticket's status is no
// longer the one the write was decided on (or the ticket is gone).
var ErrStatusMoved = Errorf(CodeConflict, "The ticket's status changed while the message was written; send it again")

// WorkflowStore persists the ticket workflow, notes and the event log.
type WorkflowStore interface {
	UserByID(ctx context.Context, id string) (*User, error)
	// UpdateTicket writes u atomically: the ticket (only if its version is
	// still u.Version, else ErrVersionMoved), its tags when u.TagsChanged, and
	// u.Events. It sets u.Ticket.Version to the new version.
	UpdateTicket(ctx context.Context, u *TicketUpdate) error
	// AddTicketMessage is AddMessageCapped for a ticket whose status must still
	// be w.Seen (else ErrStatusMoved); it sets the status to w.Status and writes
	// w.Events and the message's event, atomically.
	AddTicketMessage(ctx context.Context, w *MessageWrite) error
	// Events returns up to f.Limit events of a ticket, oldest first.
	Events(ctx context.Context, f EventFilter) ([]Event, error)
	// AddNote stores n and its internal note event, atomically.
	AddNote(ctx context.Context, n *Note) error
	// AddNoteWithFiles stores n with its attachments in one transaction,
	// unless they would take their uploader past quota bytes (0: no bound;
	// ErrQuotaExceeded).
	AddNoteWithFiles(ctx context.Context, n *Note, quota int64) error
	// Notes returns up to f.Limit notes of a ticket, oldest first; ErrNotFound
	// when f.After is not a note of that ticket.
	Notes(ctx context.Context, f NoteFilter) ([]Note, error)
}
