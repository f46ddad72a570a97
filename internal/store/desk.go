package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/supportd/supportd/internal/support"
)

// UpdateTicket writes u in one transaction: the ticket's status, priority,
// assignee and updated_at, only while its version is still u.Version (else
// support.ErrVersionMoved, and nothing is written), its tags when
// u.TagsChanged, and u.Events. It sets u.Ticket.Version to the new version.
func (db *DB) UpdateTicket(ctx context.Context, u *support.TicketUpdate) error {
	t := u.Ticket
	t.UpdatedAt = normTime(t.UpdatedAt)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.dq.updateTicket, t.ID, u.Version, string(t.Status), string(t.Priority),
			nullIfEmpty(t.AssigneeID), timestamp(t.UpdatedAt)).Scan(&t.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return support.ErrVersionMoved
		}
		if err != nil {
			return err
		}
		if u.TagsChanged {
			if _, err := tx.ExecContext(ctx, db.dq.deleteTicketTags, t.ID); err != nil {
				return err
			}
			t.Tags = sortedTags(t.Tags)
			if err := db.addTags(ctx, tx, t.ID, t.Tags); err != nil {
				return err
			}
		}
		return db.addEvents(ctx, tx, u.Events...)
	})
	if errors.Is(err, support.ErrVersionMoved) {
		return fmt.Errorf("store: update ticket %q: %w", t.ID, err)
	}
	return db.translate("update ticket", err)
}

// AddTicketMessage stores w.Message like AddMessageCapped, provided the
// ticket's status is still w.Seen (else support.ErrStatusMoved, also for a
// missing ticket), sets the status to w.Status, and writes the message's event
// and w.Events, in one transaction.
func (db *DB) AddTicketMessage(ctx context.Context, w *support.MessageWrite) error {
	m := w.Message
	if err := db.stamp(&m.ID, &m.CreatedAt); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.dq.touchTicketStatus, m.TicketID, timestamp(m.CreatedAt), string(w.Seen), string(w.Status))
		if err := mustAffect(res, err, "ticket", m.TicketID); err != nil {
			if errors.Is(err, support.ErrNotFound) {
				return support.ErrStatusMoved
			}
			return err
		}
		if err := db.insertMessage(ctx, tx, m, w.MaxMessages); err != nil {
			return err
		}
		if err := db.addAttachments(ctx, tx, m.Attachments, w.Quota); err != nil {
			return err
		}
		return db.addEvents(ctx, tx, w.Events...)
	})
	if errors.Is(err, support.ErrStatusMoved) || errors.Is(err, support.ErrQuotaExceeded) {
		return fmt.Errorf("store: add message: %w", err)
	}
	return db.translate("add message", err)
}

// messageEvent records a message: an ai_reply event for the AI's, a message
// event otherwise, by the message's author.
func messageEvent(m *support.Message) support.Event {
	typ := support.EventMessage
	if m.Sender == support.SenderAI {
		typ = support.EventAIReply
	}
	return support.Event{TicketID: m.TicketID, ActorID: m.AuthorID, Type: typ, New: support.EventValue(m.ID), CreatedAt: m.CreatedAt}
}

// addTags inserts tags (already normalised and distinct) for a ticket.
func (db *DB) addTags(ctx context.Context, tx *sql.Tx, ticketID string, tags []string) error {
	for _, tag := range tags {
		if _, err := tx.ExecContext(ctx, db.dq.addTicketTag, ticketID, tag); err != nil {
			return fmt.Errorf("add tag: %w", err)
		}
	}
	return nil
}

// addEvents appends events to the log; their ids are assigned by the database.
func (db *DB) addEvents(ctx context.Context, tx *sql.Tx, events ...support.Event) error {
	db.txEvents.Store(tx, true) // inTx tells OnEventsCommitted's function once tx commits
	for _, e := range events {
		_, err := tx.ExecContext(ctx, db.dq.addTicketEvent, e.TicketID, nullIfEmpty(e.ActorID), string(e.Type),
			nullJSON(e.Old), nullJSON(e.New), e.Internal, timestamp(e.CreatedAt))
		if err != nil {
			return fmt.Errorf("add %s event: %w", e.Type, err)
		}
	}
	return nil
}

func nullJSON(v []byte) sql.NullString {
	return sql.NullString{String: string(v), Valid: v != nil}
}

// sortedTags is tags sorted without repeats; never nil.
func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return append([]string{}, slices.Compact(out)...)
}

// Events returns up to f.Limit events of f.TicketID after the event id
// f.After, oldest first, without the internal ones unless f.IncludeInternal.
// The result is never nil.
func (db *DB) Events(ctx context.Context, f support.EventFilter) ([]support.Event, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: events: limit %d is not positive", f.Limit)
	}
	query := db.dq.eventsAfterPublic
	if f.IncludeInternal {
		query = db.dq.eventsAfter
	}
	events, err := queryAll(ctx, db.sql, query, scanEvent, f.TicketID, f.After, f.Limit)
	return events, db.translate("events", err)
}

func scanEvent(row rowScanner) (support.Event, error) {
	var e support.Event
	var actor, old, new sql.NullString
	err := row.Scan(&e.ID, &e.TicketID, &actor, &e.Type, &old, &new, &e.Internal, (*timestamp)(&e.CreatedAt))
	e.ActorID = actor.String
	if old.Valid {
		e.Old = []byte(old.String)
	}
	if new.Valid {
		e.New = []byte(new.String)
	}
	return e, err
}

// AddNote stores n and its internal note event in one transaction. It fills
// in an empty ID and zero CreatedAt. The ticket itself is not touched: its
// updated_at and version, which customers see, do not reveal a note.
func (db *DB) AddNote(ctx context.Context, n *support.Note) error {
	return db.AddNoteWithFiles(ctx, n, 0)
}

// AddNoteWithFiles stores n, its attachments and their (internal) events in
// one transaction, unless the files take their uploader past quota bytes (0:
// no bound; support.ErrQuotaExceeded).
func (db *DB) AddNoteWithFiles(ctx context.Context, n *support.Note, quota int64) error {
	if err := db.stamp(&n.ID, &n.CreatedAt); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dq.createNote, n.ID, n.TicketID, nullIfEmpty(n.AuthorID), n.Content, timestamp(n.CreatedAt))
		if err != nil {
			return err
		}
		if err := db.addAttachments(ctx, tx, n.Attachments, quota); err != nil {
			return err
		}
		events := append([]support.Event{{TicketID: n.TicketID, ActorID: n.AuthorID, Type: support.EventNote,
			New: support.EventValue(n.ID), Internal: true, CreatedAt: n.CreatedAt}}, support.AttachmentEvents(n.Attachments, true)...)
		return db.addEvents(ctx, tx, events...)
	})
	if errors.Is(err, support.ErrQuotaExceeded) {
		return err
	}
	return db.translate("add note", err)
}

// Notes returns up to f.Limit notes of f.TicketID after the note f.After,
// oldest first by (created_at, id), or support.ErrNotFound when f.After is not
// a note of that ticket. The result is never nil.
func (db *DB) Notes(ctx context.Context, f support.NoteFilter) ([]support.Note, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: notes: limit %d is not positive", f.Limit)
	}
	query, args := db.dq.notesFirst, []any{f.TicketID, f.Limit}
	if f.After != "" {
		var at timestamp
		if err := db.sql.QueryRowContext(ctx, db.dq.noteKey, f.After, f.TicketID).Scan(&at); err != nil {
			return nil, db.translate("notes: cursor", err)
		}
		query, args = db.dq.notesAfter, []any{f.TicketID, at, f.After, f.Limit}
	}
	notes, err := queryAll(ctx, db.sql, query, scanNote, args...)
	if err == nil {
		err = db.withNoteAttachments(ctx, f.TicketID, notes)
	}
	return notes, db.translate("notes", err)
}

func scanNote(row rowScanner) (support.Note, error) {
	var n support.Note
	var author sql.NullString
	err := row.Scan(&n.ID, &n.TicketID, &author, &n.Content, (*timestamp)(&n.CreatedAt))
	n.AuthorID = author.String
	return n, err
}
