package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/supportd/supportd/internal/support"
)

// LoadReplyContext reads the user, the ticket, its newest support.ThreadTail
// messages (without AI accounting: prompts do not use it), the number of the
// user's replies created at or after q.Since and, when q has a global budget,
// everyone's (counted up to q.Global). A missing user or ticket is a nil field,
// not an error.
//
// On PostgreSQL the statements go out as one pgx batch: one round trip instead
// of five on the way to an AI reply's first token, where each costs about 0.3 ms
// on a busy two-core machine (docs/benchmarks.md). SQLite is in the process, so
// there it runs them one after another.
func (db *DB) LoadReplyContext(ctx context.Context, userID, ticketID string, q support.ReplyQuota) (*support.ReplyContext, error) {
	if db.dialect.engine != postgresDialect.engine {
		return db.replyContextEach(ctx, userID, ticketID, q)
	}
	rc, err := db.replyContextBatch(ctx, userID, ticketID, q)
	return rc, db.translate("load reply context", err)
}

// replyContextEach runs the reads one by one; each translates its own errors.
func (db *DB) replyContextEach(ctx context.Context, userID, ticketID string, q support.ReplyQuota) (*support.ReplyContext, error) {
	var rc support.ReplyContext
	var err error
	if rc.User, err = optional(db.UserByID(ctx, userID)); err != nil {
		return nil, err
	}
	if rc.Ticket, err = optional(db.TicketByID(ctx, ticketID)); err != nil {
		return nil, err
	}
	if rc.Thread, err = db.threadTail(ctx, ticketID); err != nil {
		return nil, err
	}
	if rc.RecentReplies, rc.OldestRecent, err = db.CountRepliesSince(ctx, userID, q.Since); err != nil {
		return nil, err
	}
	if q.Global > 0 {
		if rc.GlobalReplies, rc.GlobalOldest, err = db.CountAllRepliesSince(ctx, q.Since, q.Global); err != nil {
			return nil, err
		}
	}
	if q.MaxMessages > 0 {
		row := db.sql.QueryRowContext(ctx, db.q.countMessagesCapped, ticketID, q.MaxMessages)
		if err := readThreadFull(row, &rc, q); err != nil {
			return nil, db.translate("count messages", err)
		}
	}
	return &rc, nil
}

// threadTail returns the ticket's newest support.ThreadTail messages, oldest first.
func (db *DB) threadTail(ctx context.Context, ticketID string) ([]support.Message, error) {
	msgs, err := queryAll(ctx, db.sql, db.aq.threadTail, scanTailMessage, ticketID, support.ThreadTail)
	return msgs, db.translate("thread tail", err)
}

// scanTailMessage reads a thread-tail row.
func scanTailMessage(row rowScanner) (support.Message, error) {
	var m support.Message
	var author, files sql.NullString
	err := row.Scan(&m.ID, &m.TicketID, &author, &m.Sender, &m.Content, (*timestamp)(&m.CreatedAt), &files)
	m.AuthorID = author.String
	if files.String != "" { // names only: what the prompt shows
		for _, name := range strings.Split(files.String, "/") {
			m.Attachments = append(m.Attachments, support.Attachment{Name: name})
		}
		m.AttachmentCount = len(m.Attachments)
	}
	return m, err
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
func (db *DB) replyContextBatch(ctx context.Context, userID, ticketID string, q support.ReplyQuota) (*support.ReplyContext, error) {
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
		b.Queue(db.aq.threadTail, ticketID, support.ThreadTail)
		b.Queue(db.aq.countSince, userID, timestamp(q.Since))
		if q.Global > 0 {
			b.Queue(db.aq.countAllSince, timestamp(q.Since), q.Global)
		}
		if q.MaxMessages > 0 {
			b.Queue(db.q.countMessagesCapped, ticketID, q.MaxMessages)
		}
		res := pc.Conn().SendBatch(ctx, b)
		err := readReplyContext(res, &rc, q.Global > 0)
		if err == nil && q.MaxMessages > 0 {
			err = readThreadFull(res.QueryRow(), &rc, q)
		}
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
func readReplyContext(res pgx.BatchResults, rc *support.ReplyContext, global bool) error {
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
	rc.Thread, err = scanRows(rows, scanTailMessage)
	rows.Close()
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	var oldest nullTime
	if err := res.QueryRow().Scan(&rc.RecentReplies, &oldest); err != nil {
		return fmt.Errorf("count replies: %w", err)
	}
	rc.OldestRecent = oldest.t
	if !global {
		return nil
	}
	var globalOldest nullTime
	if err := res.QueryRow().Scan(&rc.GlobalReplies, &globalOldest); err != nil {
		return fmt.Errorf("count all replies: %w", err)
	}
	rc.GlobalOldest = globalOldest.t
	return nil
}

// readThreadFull reads the capped message count queued when q has a thread bound.
func readThreadFull(row rowScanner, rc *support.ReplyContext, q support.ReplyQuota) error {
	var n int
	if err := row.Scan(&n); err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	rc.ThreadFull = n >= q.MaxMessages
	return nil
}
