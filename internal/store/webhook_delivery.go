package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// Webhook delivery (issue 12; migration 00013): the dispatcher's read of the
// feed, the attempts log and the endpoints' health.

var _ support.WebhookDeliveryStore = (*DB)(nil)

// webhookCursorName is the dispatcher's row of webhook_cursor.
const webhookCursorName = "webhooks"

// WebhookEnqueuer enqueues the deliveries of events to endpoints in tx, the
// transaction that moves the dispatcher's cursor past them.
type WebhookEnqueuer = func(ctx context.Context, tx *sql.Tx, events []support.WebhookEvent, endpoints []support.WebhookEndpoint) error

// DispatchWebhooks reads up to limit events after the dispatcher's cursor, in
// feed order and internal ones included, hands them with the enabled endpoints
// to enqueue, then moves the cursor past them, all in one transaction: the
// jobs exist exactly when the cursor has moved, and an enqueue error leaves
// both as they were. It returns how many events it handed on; 0 without
// calling enqueue when there are none or no endpoint is enabled (the cursor
// then skips to the feed's head: events nobody listened to are never sent).
//
// Instances dispatching at once take turns on the cursor's row (FOR UPDATE on
// PostgreSQL, the write lock SQLite's transactions begin with), so each event
// is handed on once. The events were written by other transactions: this one
// does not wake the live streams.
func (db *DB) DispatchWebhooks(ctx context.Context, limit int, enqueue WebhookEnqueuer) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("store: dispatch webhooks: limit %d is not positive", limit)
	}
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.dispatchWebhooks(ctx, tx, limit, enqueue)
		return err
	})
	if err != nil {
		return 0, db.translate("dispatch webhooks", err)
	}
	return n, nil
}

func (db *DB) dispatchWebhooks(ctx context.Context, tx *sql.Tx, limit int, enqueue WebhookEnqueuer) (int, error) {
	cursor, err := db.lockWebhookCursor(ctx, tx)
	if err != nil {
		return 0, err
	}
	endpoints, err := queryAll(ctx, tx, db.wq.enabledWebhookEndpoints, scanWebhook)
	if err != nil {
		return 0, fmt.Errorf("enabled webhook endpoints: %w", err)
	}
	if len(endpoints) == 0 {
		return 0, db.skipToFeedHead(ctx, tx, cursor)
	}
	var b queryBuilder
	db.afterCursor(&b, cursor)
	events, err := queryAll(ctx, tx, db.webhookEventsQuery(&b, db.feedOrder(), limit), db.scanWebhookEvent, b.args...)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if err := enqueue(ctx, tx, events, endpoints); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	return len(events), db.setWebhookCursor(ctx, tx, events[len(events)-1].Cursor)
}

// lockWebhookCursor reads the dispatcher's cursor in tx, holding its row on
// PostgreSQL until tx ends: a concurrent dispatch waits, then reads the cursor
// this one moved (READ COMMITTED re-reads a row it waited for).
func (db *DB) lockWebhookCursor(ctx context.Context, tx *sql.Tx) (support.FeedCursor, error) {
	query := db.wq.webhookCursor
	if db.dialect.engine == postgresDialect.engine {
		query += " FOR UPDATE"
	}
	c, err := db.scanCursor(tx.QueryRowContext(ctx, query, webhookCursorName))
	if err != nil {
		return c, fmt.Errorf("webhook cursor: %w", err)
	}
	return c, nil
}

func (db *DB) setWebhookCursor(ctx context.Context, tx *sql.Tx, c support.FeedCursor) error {
	_, err := tx.ExecContext(ctx, db.wq.setWebhookCursor, webhookCursorName, strconv.FormatUint(c.TX, 10), c.ID)
	if err != nil {
		return fmt.Errorf("set webhook cursor: %w", err)
	}
	return nil
}

// The feed's head as FeedHead (feed.go) reads it, but in the dispatch's
// transaction: on PostgreSQL the newest event below the settled horizon.
const (
	feedHeadSQLite   = "SELECT '0', id FROM ticket_events ORDER BY id DESC LIMIT 1"
	feedHeadPostgres = `SELECT tx::text, id FROM ticket_events WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx DESC, id DESC LIMIT 1`
)

// skipToFeedHead moves the cursor to the feed's head when that is ahead of it:
// with no endpoint enabled, the events so far are nobody's, and an endpoint
// enabled later starts from now rather than from the feed's beginning.
func (db *DB) skipToFeedHead(ctx context.Context, tx *sql.Tx, cursor support.FeedCursor) error {
	query := feedHeadSQLite
	if db.dialect.engine == postgresDialect.engine {
		query = feedHeadPostgres
	}
	head, err := db.scanCursor(tx.QueryRowContext(ctx, query))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !cursor.Less(head)) {
		return nil // nothing new: no write
	}
	if err != nil {
		return fmt.Errorf("feed head: %w", err)
	}
	return db.setWebhookCursor(ctx, tx, head)
}

// afterCursor restricts a webhook events query to the feed after c, as Feed
// does: on PostgreSQL below the settled horizon and after c's (tx, id), so an
// event committed late is never skipped (migration 00011).
func (db *DB) afterCursor(b *queryBuilder, c support.FeedCursor) {
	if db.dialect.engine != postgresDialect.engine {
		b.add("e.id > " + b.arg(c.ID))
		return
	}
	b.add("e.tx < pg_snapshot_xmin(pg_current_snapshot())")
	b.add("(e.tx, e.id) > (" + b.arg(strconv.FormatUint(c.TX, 10)) + "::xid8, " + b.arg(c.ID) + "::bigint)")
}

func (db *DB) feedOrder() string {
	if db.dialect.engine == postgresDialect.engine {
		return "e.tx, e.id"
	}
	return "e.id"
}

// webhookEventsQuery reads the events b selects, in order, with their
// sequences: how many events of the same ticket come at or before each in feed
// order, all of them and the public ones. Each count is a scan of the ticket's
// events (ticket_events_ticket_idx); threads are bounded, pages small.
func (db *DB) webhookEventsQuery(b *queryBuilder, order string, limit int) string {
	tx, upTo := "0", "s.id <= e.id"
	if db.dialect.engine == postgresDialect.engine {
		tx, upTo = "e.tx::text", "(s.tx, s.id) <= (e.tx, e.id)"
	}
	count := "(SELECT count(*) FROM ticket_events s WHERE s.ticket_id = e.ticket_id AND " + upTo
	return "SELECT " + feedColumns + ", " + tx + ",\n       " + count + "),\n       " + count + " AND NOT s.internal)" +
		"\nFROM ticket_events e\nWHERE " + strings.Join(b.where, "\n  AND ") +
		"\nORDER BY " + order + "\nLIMIT " + strconv.Itoa(limit)
}

// scanWebhookEvent reads a row of webhookEventsQuery: a feed row, then the sequences.
func (db *DB) scanWebhookEvent(row rowScanner) (support.WebhookEvent, error) {
	var e support.WebhookEvent
	var err error
	e.FeedEvent, err = db.scanFeedEvent(moreColumns{row, []any{&e.Sequence, &e.PublicSequence}})
	return e, err
}

// moreColumns scans the columns after those its caller asks for into more.
type moreColumns struct {
	row  rowScanner
	more []any
}

func (m moreColumns) Scan(dest ...any) error { return m.row.Scan(slices.Concat(dest, m.more)...) }

// WebhookEvent returns the event with id and its sequences, or
// support.ErrNotFound. Unlike the dispatch it does not wait for the horizon:
// an admin redelivers an event already seen.
func (db *DB) WebhookEvent(ctx context.Context, id int64) (*support.WebhookEvent, error) {
	var b queryBuilder
	b.add("e.id = " + b.arg(id))
	query := db.webhookEventsQuery(&b, "e.id", 1)
	e, err := db.scanWebhookEvent(db.sql.QueryRowContext(ctx, query, b.args...))
	if err != nil {
		return nil, db.translate("webhook event", err)
	}
	return &e, nil
}

// WebhookEventsBetween returns up to limit events created in [since, until),
// oldest first by id, with their sequences; never nil. For a replay, found
// through the created_at index of migration 00013 (BRIN on PostgreSQL).
func (db *DB) WebhookEventsBetween(ctx context.Context, since, until time.Time, limit int) ([]support.WebhookEvent, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("store: webhook events between: limit %d is not positive", limit)
	}
	var b queryBuilder
	b.add("e.created_at >= " + b.arg(timestamp(since)))
	b.add("e.created_at < " + b.arg(timestamp(until)))
	query := db.webhookEventsQuery(&b, "e.id", limit)
	events, err := queryAll(ctx, db.sql, query, db.scanWebhookEvent, b.args...)
	return events, db.translate("webhook events between", err)
}

// RecordWebhookAttempt stores a and sets its ID. A zero CreatedAt is now; the
// time and the duration are stored in microseconds, and a is set to what is
// stored. support.ErrNotFound when the endpoint is gone.
func (db *DB) RecordWebhookAttempt(ctx context.Context, a *support.WebhookAttempt) error {
	a.CreatedAt = orTime(a.CreatedAt, db.now())
	a.Duration = a.Duration.Truncate(time.Microsecond)
	err := db.sql.QueryRowContext(ctx, db.wq.recordWebhookAttempt, a.EndpointID, a.EventID, a.MessageID, a.Attempt,
		string(a.Trigger), a.Succeeded, a.StatusCode, a.Error, a.Duration.Microseconds(), a.ResponseExcerpt,
		timestamp(a.CreatedAt)).Scan(&a.ID)
	return db.translate("record webhook attempt", err)
}

// ListWebhookAttempts returns up to f.Limit attempts at f.EndpointID (of the
// event f.EventID unless 0), newest first, below the id f.Before unless 0.
// The result is never nil.
func (db *DB) ListWebhookAttempts(ctx context.Context, f support.WebhookAttemptFilter) ([]support.WebhookAttempt, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: list webhook attempts: limit %d is not positive", f.Limit)
	}
	before := f.Before
	if before == 0 {
		before = math.MaxInt64 // the first page: one range scan either way
	}
	query, args := db.wq.listWebhookAttempts, []any{f.EndpointID, before, f.Limit}
	if f.EventID != 0 {
		query, args = db.wq.listWebhookEventAttempts, []any{f.EndpointID, f.EventID, before, f.Limit}
	}
	list, err := queryAll(ctx, db.sql, query, scanWebhookAttempt, args...)
	return list, db.translate("list webhook attempts", err)
}

func scanWebhookAttempt(row rowScanner) (support.WebhookAttempt, error) {
	var a support.WebhookAttempt
	var us int64
	err := row.Scan(&a.ID, &a.EndpointID, &a.EventID, &a.MessageID, &a.Attempt, &a.Trigger, &a.Succeeded,
		&a.StatusCode, &a.Error, &us, &a.ResponseExcerpt, (*timestamp)(&a.CreatedAt))
	a.Duration = time.Duration(us) * time.Microsecond
	return a, err
}

// MarkWebhookFailing sets the endpoint's failing-since time to at unless one
// is set, and returns the one in force; support.ErrNotFound when the endpoint
// is gone. One statement, so concurrent failures keep the earliest recorded.
func (db *DB) MarkWebhookFailing(ctx context.Context, endpointID string, at time.Time) (time.Time, error) {
	var since timestamp
	err := db.sql.QueryRowContext(ctx, db.wq.markWebhookFailing, endpointID, timestamp(at)).Scan(&since)
	if err != nil {
		return time.Time{}, db.translate("mark webhook failing", err)
	}
	return time.Time(since), nil
}

// MarkWebhookHealthy clears the endpoint's failing-since time; it writes
// nothing when none is set (or the endpoint is gone).
func (db *DB) MarkWebhookHealthy(ctx context.Context, endpointID string) error {
	_, err := db.sql.ExecContext(ctx, db.wq.markWebhookHealthy, endpointID)
	return db.translate("mark webhook healthy", err)
}

// PruneWebhookAttempts deletes the attempts created before cutoff, at most
// batch a statement (each its own transaction, so no lock is held long), and
// returns how many it deleted.
func (db *DB) PruneWebhookAttempts(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	if batch <= 0 {
		return 0, fmt.Errorf("store: prune webhook attempts: batch %d is not positive", batch)
	}
	var total int64
	for {
		res, err := db.sql.ExecContext(ctx, db.wq.pruneWebhookAttempts, timestamp(cutoff), batch)
		if err != nil {
			return total, db.translate("prune webhook attempts", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, db.translate("prune webhook attempts", err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}
