package store

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/supportd/supportd/internal/support"
)

//go:embed ai_queries.sql
var aiQueriesSQL string

var _ support.ReplyStore = (*DB)(nil)

// aiQueries are the statements of ai_queries.sql.
type aiQueries struct {
	startReply, startReplyAsync, heartbeat, finishReply, replyByID, latestReply string
	failStale, countSince, createToken, consumeToken, deleteOldTokens           string
	startWithinQuota, lockQuota, countAllSince, threadTail                      string
}

func loadAIQueries() (aiQueries, error) {
	named, err := parseQueries(aiQueriesSQL)
	if err != nil {
		return aiQueries{}, err
	}
	var q aiQueries
	for name, dst := range map[string]*string{
		"start-reply": &q.startReply, "start-reply-async-commit": &q.startReplyAsync, "heartbeat-instance": &q.heartbeat, "finish-reply": &q.finishReply,
		"reply-by-id": &q.replyByID, "latest-reply": &q.latestReply, "fail-stale-replies": &q.failStale,
		"count-replies-since": &q.countSince, "create-stream-token": &q.createToken,
		"consume-stream-token": &q.consumeToken, "delete-expired-stream-tokens": &q.deleteOldTokens,
		"start-reply-within-quota": &q.startWithinQuota, "lock-reply-quota": &q.lockQuota,
		"count-all-replies-since": &q.countAllSince, "thread-tail": &q.threadTail,
	} {
		if *dst = named[name]; *dst == "" {
			return q, fmt.Errorf("store: ai_queries.sql: missing query %q", name)
		}
	}
	return q, nil
}

// ErrReplyInProgress is returned by StartReply when the ticket already has a streaming reply.
var ErrReplyInProgress = support.Errorf(support.CodeConflict, "a reply is already being generated for this ticket")

// StartReply records a new streaming reply. A second streaming reply for the same
// ticket violates a partial unique index and gives ErrReplyInProgress. With a
// quota, the reply is recorded only if q allows it (else support.ErrReplyQuotaSpent),
// counted and inserted as one atomic step on both engines.
func (db *DB) StartReply(ctx context.Context, r *support.AIReply, q support.ReplyQuota) error {
	if err := db.stamp(&r.ID, &r.CreatedAt); err != nil {
		return err
	}
	r.Status, r.HeartbeatAt = support.ReplyStreaming, r.CreatedAt
	var err error
	switch {
	case q.PerUser > 0 || q.Global > 0:
		err = db.startReplyWithinQuota(ctx, r, q)
	case db.dialect.engine == postgresDialect.engine:
		_, err = db.sql.ExecContext(ctx, db.aq.startReplyAsync, r.ID, r.InstanceID, r.TicketID, nullIfEmpty(r.RequestedBy), timestamp(r.CreatedAt))
	default:
		_, err = db.sql.ExecContext(ctx, db.aq.startReply, r.ID, r.InstanceID, r.TicketID, nullIfEmpty(r.RequestedBy), timestamp(r.CreatedAt))
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("store: start reply: %w", ErrReplyInProgress)
	}
	if errors.Is(err, support.ErrReplyQuotaSpent) {
		return err
	}
	if err == nil {
		db.eventsWritten() // ai_reply_started, by migration 00011's trigger
	}
	return db.translate("start reply", err)
}

// startReplyWithinQuota inserts r if q allows it. Counting then inserting could
// let concurrent requests all see room for one more, so the count and the insert
// are one statement, and requests take turns: on SQLite in a BEGIN IMMEDIATE
// transaction (the store's _txlock), on PostgreSQL behind an advisory lock taken
// in the same implicit transaction (one pgx batch, one round trip).
func (db *DB) startReplyWithinQuota(ctx context.Context, r *support.AIReply, q support.ReplyQuota) error {
	args := []any{r.ID, r.InstanceID, r.TicketID, nullIfEmpty(r.RequestedBy), timestamp(r.CreatedAt),
		timestamp(q.Since), q.PerUser, q.Global}
	var inserted int64
	var err error
	if db.dialect.engine == postgresDialect.engine {
		inserted, err = db.insertAfterQuotaLock(ctx, quotaLockKey(r.RequestedBy, q), args)
	} else {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, db.aq.startWithinQuota, args...)
			if err == nil {
				inserted, err = res.RowsAffected()
			}
			return err
		})
	}
	if err == nil && inserted == 0 {
		return support.ErrReplyQuotaSpent
	}
	return err
}

// quotaLockKey names what the quota checks of a reply must take turns on: all
// of them when there is a global budget, else the user's own.
func quotaLockKey(userID string, q support.ReplyQuota) string {
	if q.Global > 0 {
		return "*"
	}
	return userID
}

// insertAfterQuotaLock sends lock-reply-quota and start-reply-within-quota as one
// pgx batch: PostgreSQL runs them in one implicit transaction, so the lock is held
// until the insert commits.
func (db *DB) insertAfterQuotaLock(ctx context.Context, key string, args []any) (int64, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var inserted int64
	err = conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: unexpected driver connection %T", driverConn)
		}
		b := &pgx.Batch{}
		b.Queue(db.aq.lockQuota, key)
		b.Queue(db.aq.startWithinQuota, args...)
		res := pc.Conn().SendBatch(ctx, b)
		_, err := res.Exec()
		if err == nil {
			var tag pgconn.CommandTag
			tag, err = res.Exec()
			inserted = tag.RowsAffected()
		}
		if cerr := res.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return inserted, err
}

// Heartbeat marks every reply that instanceID is streaming as alive at now.
func (db *DB) Heartbeat(ctx context.Context, instanceID string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.aq.heartbeat, instanceID, timestamp(now))
	return db.translate("heartbeat", err)
}

// FinishReply stores the final state of r and, when msg is set, the AI message,
// in one transaction; a ticket already holding maxMessages (0: no bound) refuses
// both with support.ThreadFull.
func (db *DB) FinishReply(ctx context.Context, r *support.AIReply, msg *support.Message, maxMessages int) error {
	ends, _ := json.Marshal(r.ChunkEnds) // []int always marshals
	cites, _ := json.Marshal(orEmpty(r.Meta.Citations))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.aq.finishReply, r.ID, string(r.Status), r.Content, string(ends),
			r.Meta.Provider, r.Meta.Model, r.Meta.PromptTokens, r.Meta.CompletionTokens,
			r.Meta.TimeToFirstToken.Milliseconds(), r.Meta.TotalTime.Milliseconds(), string(cites), r.Error,
			timestamp(r.FinishedAt), r.Meta.Truncated, string(r.Meta.Grounding), r.Question, r.Language)
		if err != nil || msg == nil {
			return err
		}
		if err := db.addMessageCapped(ctx, tx, msg, maxMessages); err != nil {
			return err
		}
		if r.Meta.Grounding == support.GroundingDeclined {
			return db.flagForPerson(ctx, tx, r.TicketID, r.FinishedAt)
		}
		return nil
	})
	if err == nil && r.Status == support.ReplyFailed {
		db.eventsWritten() // ai_reply_failed, by migration 00011's trigger
	}
	return db.translate("finish reply", err)
}

// flagForPerson tags a ticket support.TagNeedsPerson, with a tags event by no
// one (the assistant), unless it has the tag: a reply that declined leaves the
// question to the team, and the desk's queue filters on tags.
func (db *DB) flagForPerson(ctx context.Context, tx *sql.Tx, ticketID string, at time.Time) error {
	tags, err := queryAll(ctx, tx, db.dq.ticketTagList, func(row rowScanner) (string, error) {
		var tag string
		return tag, row.Scan(&tag)
	}, ticketID)
	if err != nil || slices.Contains(tags, support.TagNeedsPerson) {
		return err
	}
	if tags == nil {
		tags = []string{}
	}
	if _, err := tx.ExecContext(ctx, db.dq.addTicketTag, ticketID, support.TagNeedsPerson); err != nil {
		return err
	}
	return db.addEvents(ctx, tx, support.Event{TicketID: ticketID, Type: support.EventTags, Old: support.EventValue(tags),
		New: support.EventValue(sortedTags(append(tags, support.TagNeedsPerson))), CreatedAt: at})
}

// ReplyByID returns one reply, or support.ErrNotFound.
func (db *DB) ReplyByID(ctx context.Context, id string) (*support.AIReply, error) {
	r, err := scanReply(db.sql.QueryRowContext(ctx, db.aq.replyByID, id))
	return r, db.translate("reply by id", err)
}

// LatestReply returns a ticket's most recent reply, or support.ErrNotFound.
func (db *DB) LatestReply(ctx context.Context, ticketID string) (*support.AIReply, error) {
	r, err := scanReply(db.sql.QueryRowContext(ctx, db.aq.latestReply, ticketID))
	return r, db.translate("latest reply", err)
}

// FailStaleReplies marks streaming replies whose heartbeat is older than before as failed.
func (db *DB) FailStaleReplies(ctx context.Context, before, now time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.aq.failStale, timestamp(before), timestamp(now))
	if err != nil {
		return 0, db.translate("fail stale replies", err)
	}
	n, err := res.RowsAffected()
	if n > 0 {
		db.eventsWritten() // ai_reply_failed, by migration 00011's trigger
	}
	return int(n), db.translate("fail stale replies", err)
}

// CountRepliesSince counts a user's replies created at or after since and returns the oldest's time.
func (db *DB) CountRepliesSince(ctx context.Context, userID string, since time.Time) (int, time.Time, error) {
	var n int
	var oldest nullTime
	err := db.sql.QueryRowContext(ctx, db.aq.countSince, userID, timestamp(since)).Scan(&n, &oldest)
	return n, oldest.t, db.translate("count replies", err)
}

// CountAllRepliesSince counts everyone's replies created at or after since, up to
// limit, and returns the oldest's time.
func (db *DB) CountAllRepliesSince(ctx context.Context, since time.Time, limit int) (int, time.Time, error) {
	var n int
	var oldest nullTime
	err := db.sql.QueryRowContext(ctx, db.aq.countAllSince, timestamp(since), limit).Scan(&n, &oldest)
	return n, oldest.t, db.translate("count all replies", err)
}

// CreateStreamToken stores the hash of a single-use stream token.
func (db *DB) CreateStreamToken(ctx context.Context, hash, userID, ticketID string, expiresAt time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.aq.createToken, hash, userID, ticketID, timestamp(expiresAt))
	return db.translate("create stream token", err)
}

// ConsumeStreamToken marks a valid token used, atomically, and returns its user and ticket.
// An unknown, used or expired token gives support.ErrNotFound.
func (db *DB) ConsumeStreamToken(ctx context.Context, hash string, now time.Time) (string, string, error) {
	var userID, ticketID string
	err := db.sql.QueryRowContext(ctx, db.aq.consumeToken, hash, timestamp(now)).Scan(&userID, &ticketID)
	if err != nil {
		return "", "", db.translate("consume stream token", err)
	}
	_, _ = db.sql.ExecContext(ctx, db.aq.deleteOldTokens, timestamp(now.Add(-time.Hour))) // housekeeping; failure is harmless
	return userID, ticketID, nil
}

func scanReply(row rowScanner) (*support.AIReply, error) {
	var r support.AIReply
	var requester sql.NullString
	var ends, cites string
	var ttft, total int64
	var finished nullTime
	err := row.Scan(&r.ID, &r.TicketID, &requester, &r.Status, &r.Content, &ends, &r.Meta.Provider, &r.Meta.Model,
		&r.Meta.PromptTokens, &r.Meta.CompletionTokens, &ttft, &total, &cites, &r.Error,
		(*timestamp)(&r.CreatedAt), (*timestamp)(&r.HeartbeatAt), &finished, &r.Meta.Truncated,
		&r.Meta.Grounding, &r.Question, &r.Language)
	if err != nil {
		return nil, err
	}
	r.RequestedBy, r.FinishedAt = requester.String, finished.t
	r.Meta.TimeToFirstToken, r.Meta.TotalTime = time.Duration(ttft)*time.Millisecond, time.Duration(total)*time.Millisecond
	if err := json.Unmarshal([]byte(ends), &r.ChunkEnds); err != nil {
		return nil, fmt.Errorf("decode chunk ends: %w", err)
	}
	if err := json.Unmarshal([]byte(cites), &r.Meta.Citations); err != nil {
		return nil, fmt.Errorf("decode citations: %w", err)
	}
	return &r, nil
}

// nullTime scans a nullable time column.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(src any) error {
	if src == nil {
		n.t = time.Time{}
		return nil
	}
	var ts timestamp
	if err := ts.Scan(src); err != nil {
		return err
	}
	n.t = time.Time(ts)
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
