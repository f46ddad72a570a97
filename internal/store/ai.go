package store

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/support"
)

//go:embed ai_queries.sql
var aiQueriesSQL string

var _ support.ReplyStore = (*DB)(nil)

// aiQueries are the statements of ai_queries.sql.
type aiQueries struct {
	startReply, startReplyAsync, heartbeat, finishReply, replyByID, latestReply string
	failStale, countSince, createToken, consumeToken, deleteOldTokens           string
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
// ticket violates a partial unique index and gives ErrReplyInProgress.
func (db *DB) StartReply(ctx context.Context, r *support.AIReply) error {
	if err := db.stamp(&r.ID, &r.CreatedAt); err != nil {
		return err
	}
	r.Status, r.HeartbeatAt = support.ReplyStreaming, r.CreatedAt
	q := db.aq.startReply
	if db.dialect.engine == "postgres" {
		q = db.aq.startReplyAsync
	}
	_, err := db.sql.ExecContext(ctx, q, r.ID, r.InstanceID, r.TicketID, nullIfEmpty(r.RequestedBy), timestamp(r.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("store: start reply: %w", ErrReplyInProgress)
	}
	return translate("start reply", err)
}

// Heartbeat marks every reply that instanceID is streaming as alive at now.
func (db *DB) Heartbeat(ctx context.Context, instanceID string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.aq.heartbeat, instanceID, timestamp(now))
	return translate("heartbeat", err)
}

// FinishReply stores the final state of r and, when msg is set, the AI message,
// in one transaction.
func (db *DB) FinishReply(ctx context.Context, r *support.AIReply, msg *support.Message) error {
	ends, _ := json.Marshal(r.ChunkEnds) // []int always marshals
	cites, _ := json.Marshal(orEmpty(r.Meta.Citations))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.aq.finishReply, r.ID, string(r.Status), r.Content, string(ends),
			r.Meta.Provider, r.Meta.Model, r.Meta.PromptTokens, r.Meta.CompletionTokens,
			r.Meta.TimeToFirstToken.Milliseconds(), r.Meta.TotalTime.Milliseconds(), string(cites), r.Error,
			timestamp(r.FinishedAt))
		if err != nil || msg == nil {
			return err
		}
		return db.addMessage(ctx, tx, msg)
	})
	return translate("finish reply", err)
}

// ReplyByID returns one reply, or support.ErrNotFound.
func (db *DB) ReplyByID(ctx context.Context, id string) (*support.AIReply, error) {
	r, err := scanReply(db.sql.QueryRowContext(ctx, db.aq.replyByID, id))
	return r, translate("reply by id", err)
}

// LatestReply returns a ticket's most recent reply, or support.ErrNotFound.
func (db *DB) LatestReply(ctx context.Context, ticketID string) (*support.AIReply, error) {
	r, err := scanReply(db.sql.QueryRowContext(ctx, db.aq.latestReply, ticketID))
	return r, translate("latest reply", err)
}

// FailStaleReplies marks streaming replies whose heartbeat is older than before as failed.
func (db *DB) FailStaleReplies(ctx context.Context, before, now time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.aq.failStale, timestamp(before), timestamp(now))
	if err != nil {
		return 0, translate("fail stale replies", err)
	}
	n, err := res.RowsAffected()
	return int(n), translate("fail stale replies", err)
}

// CountRepliesSince counts a user's replies created at or after since and returns the oldest's time.
func (db *DB) CountRepliesSince(ctx context.Context, userID string, since time.Time) (int, time.Time, error) {
	var n int
	var oldest nullTime
	err := db.sql.QueryRowContext(ctx, db.aq.countSince, userID, timestamp(since)).Scan(&n, &oldest)
	return n, oldest.t, translate("count replies", err)
}

// CreateStreamToken stores the hash of a single-use stream token.
func (db *DB) CreateStreamToken(ctx context.Context, hash, userID, ticketID string, expiresAt time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.aq.createToken, hash, userID, ticketID, timestamp(expiresAt))
	return translate("create stream token", err)
}

// ConsumeStreamToken marks a valid token used, atomically, and returns its user and ticket.
// An unknown, used or expired token gives support.ErrNotFound.
func (db *DB) ConsumeStreamToken(ctx context.Context, hash string, now time.Time) (string, string, error) {
	var userID, ticketID string
	err := db.sql.QueryRowContext(ctx, db.aq.consumeToken, hash, timestamp(now)).Scan(&userID, &ticketID)
	if err != nil {
		return "", "", translate("consume stream token", err)
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
		(*timestamp)(&r.CreatedAt), (*timestamp)(&r.HeartbeatAt), &finished)
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
