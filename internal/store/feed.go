package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/support"
)

var _ support.FeedStore = (*DB)(nil)

// feedQueries holds the statements of feed_queries.sql.
type feedQueries struct {
	createLiveToken         string
	consumeLiveToken        string
	deleteExpiredLiveTokens string
}

func (q *feedQueries) targets() map[string]*string {
	return map[string]*string{
		"create-live-token":          &q.createLiveToken,
		"consume-live-token":         &q.consumeLiveToken,
		"delete-expired-live-tokens": &q.deleteExpiredLiveTokens,
	}
}

// The feed's statements are built here: the order and the horizon differ by
// engine (migration 00011 says why), and the customer and upper bounds are
// optional. Values are always bound parameters.

// The ticket's customer is read per returned row by primary key: a join let
// the planner hash every ticket for a page of a few events (0.8 cores of
// PostgreSQL at 100 events/s in bench/live).
const feedColumns = `e.id, e.ticket_id, e.actor_id, e.type, e.old_value, e.new_value, e.internal, e.created_at,
       (SELECT t.customer_id FROM tickets t WHERE t.id = e.ticket_id)`

// Feed returns the events f selects, in feed order. The result is never nil.
func (db *DB) Feed(ctx context.Context, f support.FeedFilter) ([]support.FeedEvent, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: feed: limit %d is not positive", f.Limit)
	}
	query, args := db.feedQuery(f)
	events, err := queryAll(ctx, db.sql, query, db.scanFeedEvent, args...)
	return events, db.translate("feed", err)
}

func (db *DB) feedQuery(f support.FeedFilter) (string, []any) {
	var b queryBuilder
	pg := db.dialect.engine == postgresDialect.engine
	position, tx := "e.id", "0"
	if pg {
		// The settled horizon: every transaction below it has ended.
		position, tx = "(e.tx, e.id)", "e.tx::text"
		b.add("e.tx < pg_snapshot_xmin(pg_current_snapshot())")
	}
	cursor := func(c support.FeedCursor) string {
		if pg {
			return "(" + b.arg(strconv.FormatUint(c.TX, 10)) + "::xid8, " + b.arg(c.ID) + "::bigint)"
		}
		return b.arg(c.ID)
	}
	b.add(position + " > " + cursor(f.After))
	if f.HasUntil {
		b.add(position + " <= " + cursor(f.Until))
	}
	if f.CustomerID != "" {
		b.add("e.ticket_id IN (SELECT id FROM tickets WHERE customer_id = " + b.arg(f.CustomerID) + ")")
	}
	if !f.IncludeInternal {
		b.add("NOT e.internal")
	}
	order := "e.id"
	if pg {
		order = "e.tx, e.id"
	}
	return "SELECT " + feedColumns + ", " + tx + "\nFROM ticket_events e\nWHERE " +
		strings.Join(b.where, "\n  AND ") + "\nORDER BY " + order + "\nLIMIT " + strconv.Itoa(f.Limit), b.args
}

func (db *DB) scanFeedEvent(row rowScanner) (support.FeedEvent, error) {
	var e support.FeedEvent
	var actor, old, new sql.NullString
	var tx string
	err := row.Scan(&e.ID, &e.TicketID, &actor, &e.Type, &old, &new, &e.Internal, (*timestamp)(&e.CreatedAt), &e.CustomerID, &tx)
	if err != nil {
		return e, err
	}
	e.ActorID = actor.String
	if old.Valid {
		e.Old = []byte(old.String)
	}
	if new.Valid {
		e.New = []byte(new.String)
	}
	e.Cursor.ID = e.ID
	e.Cursor.TX, err = strconv.ParseUint(tx, 10, 64)
	return e, err
}

// FeedHead is the position of the newest event the feed shows now; the zero
// cursor when it shows none.
func (db *DB) FeedHead(ctx context.Context) (support.FeedCursor, error) {
	query := "SELECT '0', id FROM ticket_events ORDER BY id DESC LIMIT 1"
	if db.dialect.engine == postgresDialect.engine {
		query = `SELECT tx::text, id FROM ticket_events WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx DESC, id DESC LIMIT 1`
	}
	c, err := db.scanCursor(db.sql.QueryRowContext(ctx, query))
	if errors.Is(err, sql.ErrNoRows) {
		return support.FeedCursor{}, nil
	}
	return c, db.translate("feed head", err)
}

// FeedCursorOf is the position of the event with id, or support.ErrNotFound.
func (db *DB) FeedCursorOf(ctx context.Context, eventID int64) (support.FeedCursor, error) {
	query := "SELECT '0', id FROM ticket_events WHERE id = $1"
	if db.dialect.engine == postgresDialect.engine {
		query = "SELECT tx::text, id FROM ticket_events WHERE id = $1"
	}
	c, err := db.scanCursor(db.sql.QueryRowContext(ctx, query, eventID))
	return c, db.translate("feed cursor", err)
}

func (db *DB) scanCursor(row *sql.Row) (support.FeedCursor, error) {
	var c support.FeedCursor
	var tx string
	if err := row.Scan(&tx, &c.ID); err != nil {
		return c, err
	}
	var err error
	c.TX, err = strconv.ParseUint(tx, 10, 64)
	return c, err
}

// CreateLiveToken stores a single-use live-stream token (its hash) for userID,
// whose access tokens were at version tokenVersion.
func (db *DB) CreateLiveToken(ctx context.Context, hash, userID string, tokenVersion int, expires time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.fq.createLiveToken, hash, userID, tokenVersion, timestamp(expires))
	return db.translate("create live token", err)
}

// ConsumeLiveToken marks the token with hash used and returns whom it was
// issued to; support.ErrNotFound when it is unknown, used or expired at now.
// Like ConsumeStreamToken, it then deletes tokens expired for an hour.
func (db *DB) ConsumeLiveToken(ctx context.Context, hash string, now time.Time) (userID string, tokenVersion int, err error) {
	err = db.sql.QueryRowContext(ctx, db.fq.consumeLiveToken, hash, timestamp(now)).Scan(&userID, &tokenVersion)
	if err != nil {
		return "", 0, db.translate("consume live token", err)
	}
	_, _ = db.sql.ExecContext(ctx, db.fq.deleteExpiredLiveTokens, timestamp(now.Add(-time.Hour))) // housekeeping; failure is harmless
	return userID, tokenVersion, nil
}

// OnEventsCommitted calls fn after each transaction that wrote ticket events
// commits, so this instance's live streams hear of them at once (and other
// instances through NotifyFeed). Wiring only: call it before the
// store is used.
func (db *DB) OnEventsCommitted(fn func()) { db.eventsCommitted = fn }

// eventsWritten tells OnEventsCommitted's function of events a statement
// outside inTx committed (the AI replies' triggers).
func (db *DB) eventsWritten() {
	if db.eventsCommitted != nil {
		db.eventsCommitted()
	}
}

// NotifyFeed tells every instance listening on PostgreSQL (Listen) that
// events committed: a statement of its own, after the commits it announces, so
// that writers never take PostgreSQL's notify lock. Nothing on SQLite.
func (db *DB) NotifyFeed(ctx context.Context) error {
	if db.dialect.engine != postgresDialect.engine {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, "SELECT pg_notify('"+FeedChannel+"', '')")
	return db.translate("notify feed", err)
}

// NotifyAccountChanged tells every instance listening on PostgreSQL
// (ListenPostgres) that userID's account changed; nothing on SQLite, whose
// single instance is told in process.
func (db *DB) NotifyAccountChanged(ctx context.Context, userID string) error {
	if db.dialect.engine != postgresDialect.engine {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, "SELECT pg_notify('"+AccountsChannel+"', $1)", userID)
	return db.translate("notify account changed", err)
}

// The channels of PostgreSQL's notifications: NotifyFeed and
// NotifyAccountChanged.
const (
	FeedChannel     = "supportd_feed"
	AccountsChannel = "supportd_accounts"
)
