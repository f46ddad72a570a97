package support

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
)

// writeAttempts bounds how often a write decided on a ticket that changed
// meanwhile is decided again on the fresh ticket.
const writeAttempts = 5

// UpdateTicket applies a PATCH to a ticket the actor may see. With ifMatch
// (the ticket's version the caller last read) the change applies only to that
// version, else CodeStale; without it, it applies to the current ticket. The
// version check and the write are one atomic statement, with the events.
// Changing nothing (e.g. setting the current status again) writes nothing and
// returns the ticket as it is.
func (s *TicketService) UpdateTicket(ctx context.Context, actor Actor, id string, ifMatch *int64, c TicketChanges) (*Ticket, error) {
	if c.empty() {
		return nil, Errorf(CodeInvalid, "Nothing to change: send status, priority, assignee_id or tags")
	}
	var v validator
	if c.Status != nil && !c.Status.Valid() {
		v.add("status", "must be open, pending, resolved or closed", excerpt(string(*c.Status)))
	}
	if c.Priority != nil && !c.Priority.Valid() {
		v.add("priority", "must be low, normal, high or urgent", excerpt(string(*c.Priority)))
	}
	var tags []string
	if c.Tags != nil {
		tags = v.ticketTags("tags", *c.Tags)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		t, err := s.visibleTicket(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		if err := actor.canChangeTicketFields(c); err != nil {
			return nil, err
		}
		if ifMatch != nil && *ifMatch != t.Version {
			return nil, staleVersion(*ifMatch)
		}
		u, err := s.decideUpdate(ctx, actor, t, c, tags)
		if err != nil {
			return nil, err
		}
		if len(u.Events) == 0 {
			return t, nil
		}
		err = s.store.UpdateTicket(ctx, u)
		switch {
		case err == nil:
			return u.Ticket, nil
		case !errors.Is(err, ErrVersionMoved):
			return nil, fmt.Errorf("update ticket: %w", err)
		case ifMatch != nil:
			return nil, staleVersion(*ifMatch) // a change landed between the read and the write
		case attempt == writeAttempts:
			return nil, Errorf(CodeConflict, "The ticket kept changing while the change was written; try again")
		}
	}
}

// staleVersion answers an If-Match naming a version that is not the current
// one; below 1 it named none (a weak or malformed tag).
func staleVersion(ifMatch int64) *Error {
	if ifMatch < 1 {
		return Errorf(CodeStale, "If-Match names no version of this ticket: send the ETag of GET /tickets/{id}")
	}
	return Errorf(CodeStale, "The ticket has changed since version %d (If-Match); read it again and retry", ifMatch)
}

// decideUpdate checks c against t and builds the new state with one event per
// changed field. tags is c.Tags normalised.
func (s *TicketService) decideUpdate(ctx context.Context, actor Actor, t *Ticket, c TicketChanges, tags []string) (*TicketUpdate, error) {
	next := *t
	u := &TicketUpdate{Ticket: &next, Version: t.Version}
	now := s.timestamp()
	event := func(typ EventType, old, new any) {
		u.Events = append(u.Events, Event{TicketID: t.ID, ActorID: actor.UserID, Type: typ,
			Old: EventValue(old), New: EventValue(new), CreatedAt: now})
	}
	if c.Status != nil && *c.Status != t.Status {
		if err := actor.canMoveTicket(t, *c.Status); err != nil {
			return nil, err
		}
		event(EventStatus, t.Status, *c.Status)
		next.Status = *c.Status
	}
	if c.Priority != nil && *c.Priority != t.Priority {
		event(EventPriority, t.Priority, *c.Priority)
		next.Priority = *c.Priority
	}
	if c.AssigneeID != nil && *c.AssigneeID == AssigneeMe {
		me := actor.UserID
		c.AssigneeID = &me
	}
	if c.AssigneeID != nil && *c.AssigneeID != t.AssigneeID {
		if err := s.checkAssignee(ctx, *c.AssigneeID); err != nil {
			return nil, err
		}
		event(EventAssignee, t.AssigneeID, *c.AssigneeID)
		next.AssigneeID = *c.AssigneeID
	}
	if c.Tags != nil && !slices.Equal(tags, t.Tags) {
		event(EventTags, orNoTags(t.Tags), tags)
		next.Tags, u.TagsChanged = tags, true
	}
	if len(u.Events) > 0 {
		next.UpdatedAt = now
	}
	return u, nil
}

func orNoTags(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

// checkAssignee accepts "" (unassign) and the id of an existing agent or admin.
func (s *TicketService) checkAssignee(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	bad := Invalid(FieldError{Field: "assignee_id", Message: "must be the id of an agent or admin", Value: excerpt(id)})
	if _, err := uuid.Parse(id); err != nil {
		return bad
	}
	u, err := s.store.UserByID(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return bad
	case err != nil:
		return fmt.Errorf("load assignee: %w", err)
	case !canBeAssigned(u):
		return bad
	}
	return nil
}

// EventPage is one page of a ticket's history, oldest first. Next is the id to
// continue after, 0 on the last page.
type EventPage struct {
	Events []Event
	Next   int64
}

// Event and note page sizes.
const (
	DefaultEventPageSize = 50
	MaxEventPageSize     = 200
)

// eventPageSize applies the page size rules of events and notes: 0 is the
// default, more than the maximum is the maximum.
func eventPageSize(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, Invalid(FieldError{Field: "limit", Message: "must be at least 1", Value: limit})
	case limit == 0:
		return DefaultEventPageSize, nil
	}
	return min(limit, MaxEventPageSize), nil
}

// Events returns the history of a ticket the actor may see, oldest first,
// strictly after the event id after: everything for staff, the events that are
// not internal for the customer.
func (s *TicketService) Events(ctx context.Context, actor Actor, ticketID string, after int64, limit int) (*EventPage, error) {
	limit, err := eventPageSize(limit)
	if err != nil {
		return nil, err
	}
	if after < 0 {
		return nil, Invalid(FieldError{Field: "after", Message: "must not be negative", Value: after})
	}
	t, err := s.visibleTicket(ctx, actor, ticketID)
	if err != nil {
		return nil, err
	}
	events, err := s.store.Events(ctx, EventFilter{TicketID: t.ID, After: after, Limit: limit + 1,
		IncludeInternal: actor.seesInternalEvents()})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	page := &EventPage{Events: events}
	if len(events) > limit {
		page.Events = events[:limit]
		page.Next = page.Events[limit-1].ID
	}
	return page, nil
}

// AddNote adds a staff-only note to a ticket. It does not touch the ticket's
// updated_at or version: a customer's view of the ticket must not change.
func (s *TicketService) AddNote(ctx context.Context, actor Actor, ticketID, content string) (*Note, error) {
	if err := canUseNotes(actor); err != nil {
		return nil, err
	}
	var v validator
	v.text("content", content, 1, MaxContentLen)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.addNote(ctx, actor, ticketID, content, nil)
}

// addNote stores a note with the files already in the blob store.
func (s *TicketService) addNote(ctx context.Context, actor Actor, ticketID, content string, files []Attachment) (*Note, error) {
	t, err := s.visibleTicket(ctx, actor, ticketID)
	if err != nil {
		return nil, err
	}
	n := &Note{ID: s.newID(), TicketID: t.ID, AuthorID: actor.UserID, Content: content, CreatedAt: s.timestamp(), Attachments: files}
	for i := range n.Attachments {
		n.Attachments[i].NoteID, n.Attachments[i].CreatedAt = n.ID, n.CreatedAt
	}
	if err := s.store.AddNoteWithFiles(ctx, n, s.fileLimits.Quota); err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("add note: %w", err)
	}
	return n, nil
}

// NotePage is one page of a ticket's notes, oldest first. Next is the note id
// to continue after, "" on the last page.
type NotePage struct {
	Notes []Note
	Next  string
}

// errNoteCursor answers an after that names no note of the ticket.
var errNoteCursor = Errorf(CodeBadRequest, "after is not a note of this ticket: start again without it")

// Notes lists a ticket's notes for staff, oldest first, strictly after the
// note after ("" for the first page). Page sizes are those of Events.
func (s *TicketService) Notes(ctx context.Context, actor Actor, ticketID, after string, limit int) (*NotePage, error) {
	if err := canUseNotes(actor); err != nil {
		return nil, err
	}
	limit, err := eventPageSize(limit)
	if err != nil {
		return nil, err
	}
	if after != "" {
		if _, err := uuid.Parse(after); err != nil { // note ids are UUIDs; nothing else reaches the database
			return nil, errNoteCursor
		}
	}
	t, err := s.visibleTicket(ctx, actor, ticketID)
	if err != nil {
		return nil, err
	}
	notes, err := s.store.Notes(ctx, NoteFilter{TicketID: t.ID, After: after, Limit: limit + 1})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, errNoteCursor
	case err != nil:
		return nil, fmt.Errorf("list notes: %w", err)
	}
	page := &NotePage{Notes: notes}
	if len(notes) > limit {
		page.Notes = notes[:limit]
		page.Next = page.Notes[limit-1].ID
	}
	return page, nil
}
