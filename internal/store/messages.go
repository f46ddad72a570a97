package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// AddMessage stores m and sets its ticket's UpdatedAt to m.CreatedAt in one
// transaction. It fills in an empty ID and zero CreatedAt and normalises the
// time. A missing ticket gives support.ErrNotFound; an empty AuthorID is stored
// as NULL (AI messages have no author). It does not bound the thread: see
// AddMessageCapped.
func (db *DB) AddMessage(ctx context.Context, m *support.Message) error {
	return db.AddMessageCapped(ctx, m, 0)
}

// AddMessageCapped is AddMessage for a ticket that may hold at most
// maxMessages messages (0: no bound). A ticket already holding that many
// refuses m with support.ThreadFull. The count and the insert are one
// transaction, so concurrent calls cannot overshoot the cap.
func (db *DB) AddMessageCapped(ctx context.Context, m *support.Message, maxMessages int) error {
	if err := db.stamp(&m.ID, &m.CreatedAt); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.addMessageCapped(ctx, tx, m, maxMessages) })
	return db.translate("add message", err)
}

// addMessage touches the ticket first: that finds a missing ticket without
// relying on the foreign-key error, and on PostgreSQL its row lock orders
// concurrent messages on the same ticket.
func (db *DB) addMessage(ctx context.Context, tx *sql.Tx, m *support.Message) error {
	return db.addMessageCapped(ctx, tx, m, 0)
}

// addMessageCapped counts the thread between touching the ticket and inserting:
// the touch's row lock (PostgreSQL) or the write transaction (SQLite, which
// begins IMMEDIATE) serialises concurrent writers to the ticket, so each count
// sees every message committed before it.
func (db *DB) addMessageCapped(ctx context.Context, tx *sql.Tx, m *support.Message, maxMessages int) error {
	res, err := tx.ExecContext(ctx, db.q.touchTicket, m.TicketID, timestamp(m.CreatedAt))
	if err := mustAffect(res, err, "ticket", m.TicketID); err != nil {
		return err
	}
	return db.insertMessage(ctx, tx, m, maxMessages)
}

// insertMessage inserts m and its event (message, or ai_reply for the AI's)
// once its ticket's row has been touched in tx, unless the thread already holds
// maxMessages (0: no bound).
func (db *DB) insertMessage(ctx context.Context, tx *sql.Tx, m *support.Message, maxMessages int) error {
	if maxMessages > 0 {
		var n int
		if err := tx.QueryRowContext(ctx, db.q.countMessagesCapped, m.TicketID, maxMessages).Scan(&n); err != nil {
			return fmt.Errorf("count messages: %w", err)
		}
		if n >= maxMessages {
			return support.ThreadFull(maxMessages)
		}
	}
	_, err := tx.ExecContext(ctx, db.q.createMessage,
		m.ID, m.TicketID, nullIfEmpty(m.AuthorID), string(m.Sender), m.Content, timestamp(m.CreatedAt), len(m.Attachments))
	if err != nil {
		return err
	}
	return db.addEvents(ctx, tx, messageEvent(m))
}

// Messages returns the ticket's thread, oldest first (CreatedAt, then ID).
// The result is never nil; a missing ticket has an empty thread (callers check the
// ticket itself, usually at the same time).
func (db *DB) Messages(ctx context.Context, ticketID string) ([]support.Message, error) {
	msgs, err := queryAll(ctx, db.sql, db.q.messagesByTicket, scanMessage, ticketID)
	if err == nil {
		err = db.withAttachments(ctx, msgs)
	}
	if err != nil {
		return nil, db.translate("messages", err)
	}
	return msgs, nil
}

// ThreadPage returns up to f.Limit messages of f.TicketID's thread, oldest
// first (CreatedAt, then ID): the oldest ones, or those strictly after f.Key;
// with f.Backward, the newest ones, or those strictly before f.Key. Every variant
// is a range scan of messages_ticket_created_idx that stops after f.Limit rows,
// whatever the thread's length. The result is never nil.
func (db *DB) ThreadPage(ctx context.Context, f support.ThreadFilter) ([]support.Message, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: thread page: limit %d is not positive", f.Limit)
	}
	query, args := db.threadQuery(f)
	msgs, err := queryAll(ctx, db.sql, query, scanMessage, args...)
	if err == nil {
		err = db.withAttachments(ctx, msgs)
	}
	if err != nil {
		return nil, db.translate("thread page", err)
	}
	if f.Backward {
		slices.Reverse(msgs)
	}
	return msgs, nil
}

// threadQuery picks the keyset variant that matches f and its arguments.
func (db *DB) threadQuery(f support.ThreadFilter) (string, []any) {
	switch {
	case f.Backward && f.Key != nil:
		return db.q.threadBefore, []any{f.TicketID, timestamp(f.Key.CreatedAt), f.Key.ID, f.Limit}
	case f.Backward:
		return db.q.threadNewest, []any{f.TicketID, f.Limit}
	case f.Key != nil:
		return db.q.threadAfter, []any{f.TicketID, timestamp(f.Key.CreatedAt), f.Key.ID, f.Limit}
	}
	return db.q.threadFirst, []any{f.TicketID, f.Limit}
}

// inTx runs fn in a transaction, committing if it returns nil and rolling back otherwise.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op once Commit has run; fn's error is the one to report
	err = fn(tx)
	_, wroteEvents := db.txEvents.LoadAndDelete(tx)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if wroteEvents {
		db.eventsWritten()
	}
	return nil
}

// scanMessage reads a messages-by-ticket row, with the AI accounting when the
// message is an AI reply.
func scanMessage(row rowScanner) (support.Message, error) {
	var m support.Message
	var author, provider, model, cites sql.NullString
	var prompt, completion, ttft, total sql.NullInt64
	var truncated sql.NullBool
	err := row.Scan(&m.ID, &m.TicketID, &author, &m.Sender, &m.Content, (*timestamp)(&m.CreatedAt),
		&provider, &model, &prompt, &completion, &ttft, &total, &cites, &truncated, &m.AttachmentCount)
	if err != nil {
		return m, err
	}
	m.AuthorID = author.String
	if !provider.Valid {
		return m, nil
	}
	m.AI = &support.AIMeta{Provider: provider.String, Model: model.String,
		PromptTokens: int(prompt.Int64), CompletionTokens: int(completion.Int64),
		TimeToFirstToken: time.Duration(ttft.Int64) * time.Millisecond, TotalTime: time.Duration(total.Int64) * time.Millisecond,
		Truncated: truncated.Bool}
	if err := json.Unmarshal([]byte(cites.String), &m.AI.Citations); err != nil {
		return m, fmt.Errorf("decode citations: %w", err)
	}
	return m, nil
}
