package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/supportd/supportd/internal/support"
)

// LoadReplyContext reads the user, the ticket, its thread and the number of the
// user's replies created at or after since. A missing user or ticket is a nil
// field, not an error.
//
// On PostgreSQL the four statements go out as one pgx batch: one round trip
// instead of four on the way to an AI reply's first token, where each costs
// about 0.3 ms on a busy two-core machine (docs/benchmarks.md). SQLite is in the
// process, so there it runs them one after another.
func (db *DB) LoadReplyContext(ctx context.Context, userID, ticketID string, since time.Time) (*support.ReplyContext, error) {
	if db.dialect.engine != postgresDialect.engine {
		return db.replyContextEach(ctx, userID, ticketID, since)
	}
	rc, err := db.replyContextBatch(ctx, userID, ticketID, since)
	return rc, translate("load reply context", err)
}

// replyContextEach runs the reads one by one; each translates its own errors.
func (db *DB) replyContextEach(ctx context.Context, userID, ticketID string, since time.Time) (*support.ReplyContext, error) {
	var rc support.ReplyContext
	var err error
	if rc.User, err = optional(db.UserByID(ctx, userID)); err != nil {
		return nil, err
	}
	if rc.Ticket, err = optional(db.TicketByID(ctx, ticketID)); err != nil {
		return nil, err
	}
	if rc.Thread, err = db.Messages(ctx, ticketID); err != nil {
		return nil, err
	}
	if rc.RecentReplies, rc.OldestRecent, err = db.CountRepliesSince(ctx, userID, since); err != nil {
		return nil, err
	}
	return &rc, nil
}

// optional turns ErrNotFound into a nil result.
func optional[T any](v *T, err error) (*T, error) {
	if errors.Is(err, support.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// replyContextBatch sends the same statements as replyContextEach in one pgx batch
// on one pooled connection; PostgreSQL runs them as one implicit transaction.
func (db *DB) replyContextBatch(ctx context.Context, userID, ticketID string, since time.Time) (*support.ReplyContext, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var rc support.ReplyContext
	err = conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: unexpected driver connection %T", driverConn)
		}
		b := &pgx.Batch{}
		b.Queue(db.q.userByID, userID)
		b.Queue(db.q.ticketByID, ticketID)
		b.Queue(db.q.messagesByTicket, ticketID)
		b.Queue(db.aq.countSince, userID, timestamp(since))
		res := pc.Conn().SendBatch(ctx, b)
		err := readReplyContext(res, &rc)
		if cerr := res.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rc, nil
}

// readReplyContext reads the batch's results in the order they were queued.
func readReplyContext(res pgx.BatchResults, rc *support.ReplyContext) error {
	u, err := scanUser(res.QueryRow())
	switch {
	case err == nil:
		rc.User = u
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("user: %w", err)
	}
	t := &support.Ticket{}
	switch err := scanTicket(res.QueryRow(), t); {
	case err == nil:
		rc.Ticket = t
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("ticket: %w", err)
	}
	rows, err := res.Query()
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	rc.Thread, err = scanRows(rows, scanMessage)
	rows.Close()
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	var oldest nullTime
	if err := res.QueryRow().Scan(&rc.RecentReplies, &oldest); err != nil {
		return fmt.Errorf("count replies: %w", err)
	}
	rc.OldestRecent = oldest.t
	return nil
}
