package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// AddMessage stores m and sets its ticket's UpdatedAt to m.CreatedAt in one
// transaction. It fills in an empty ID and zero CreatedAt and normalises the
// time. A missing ticket gives support.ErrNotFound; an empty AuthorID is stored
// as NULL (AI messages have no author).
func (db *DB) AddMessage(ctx context.Context, m *support.Message) error {
	if err := db.stamp(&m.ID, &m.CreatedAt); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.addMessage(ctx, tx, m) })
	return translate("add message", err)
}

// addMessage touches the ticket first: that finds a missing ticket without
// relying on the foreign-key error, and on PostgreSQL its row lock orders
// concurrent messages on the same ticket.
func (db *DB) addMessage(ctx context.Context, tx *sql.Tx, m *support.Message) error {
	res, err := tx.ExecContext(ctx, db.q.touchTicket, m.TicketID, timestamp(m.CreatedAt))
	if err := mustAffect(res, err, "ticket", m.TicketID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q.createMessage,
		m.ID, m.TicketID, nullIfEmpty(m.AuthorID), string(m.Sender), m.Content, timestamp(m.CreatedAt))
	return err
}

// Messages returns the ticket's thread, oldest first (CreatedAt, then ID).
// The result is never nil; a missing ticket has an empty thread (callers check the
// ticket itself, usually at the same time).
func (db *DB) Messages(ctx context.Context, ticketID string) ([]support.Message, error) {
	msgs, err := queryAll(ctx, db.sql, db.q.messagesByTicket, scanMessage, ticketID)
	if err != nil {
		return nil, translate("messages", err)
	}
	return msgs, nil
}

// inTx runs fn in a transaction, committing if it returns nil and rolling back otherwise.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op once Commit has run; fn's error is the one to report
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// scanMessage reads a messages-by-ticket row, with the AI accounting when the
// message is an AI reply.
func scanMessage(row rowScanner) (support.Message, error) {
	var m support.Message
	var author, provider, model, cites sql.NullString
	var prompt, completion, ttft, total sql.NullInt64
	err := row.Scan(&m.ID, &m.TicketID, &author, &m.Sender, &m.Content, (*timestamp)(&m.CreatedAt),
		&provider, &model, &prompt, &completion, &ttft, &total, &cites)
	if err != nil {
		return m, err
	}
	m.AuthorID = author.String
	if !provider.Valid {
		return m, nil
	}
	m.AI = &support.AIMeta{Provider: provider.String, Model: model.String,
		PromptTokens: int(prompt.Int64), CompletionTokens: int(completion.Int64),
		TimeToFirstToken: time.Duration(ttft.Int64) * time.Millisecond, TotalTime: time.Duration(total.Int64) * time.Millisecond}
	if err := json.Unmarshal([]byte(cites.String), &m.AI.Citations); err != nil {
		return m, fmt.Errorf("decode citations: %w", err)
	}
	return m, nil
}
