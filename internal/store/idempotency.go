package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/supportd/supportd/internal/idempotency"
)

var _ idempotency.Store = (*DB)(nil)

// idempotencyQueries holds the statements of idempotency_queries.sql.
type idempotencyQueries struct {
	claimIdempotencyKey         string
	idempotencyKey              string
	finishIdempotencyKey        string
	releaseIdempotencyKey       string
	deleteIdempotencyKeysBefore string
}

func (q *idempotencyQueries) targets() map[string]*string {
	return map[string]*string{
		"claim-idempotency-key":          &q.claimIdempotencyKey,
		"idempotency-key":                &q.idempotencyKey,
		"finish-idempotency-key":         &q.finishIdempotencyKey,
		"release-idempotency-key":        &q.releaseIdempotencyKey,
		"delete-idempotency-keys-before": &q.deleteIdempotencyKeysBefore,
	}
}

// ClaimIdempotencyKey records c as in progress until expires, unless an
// unexpired row holds its key; one statement (an upsert whose update only takes
// over an expired row), so concurrent claims cannot both win.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, c idempotency.Claim, expires time.Time) (bool, error) {
	res, err := db.sql.ExecContext(ctx, db.iq.claimIdempotencyKey, c.Scope, c.Key, c.ID, timestamp(c.CreatedAt),
		timestamp(expires))
	if err != nil {
		return false, db.translate("claim idempotency key", err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.translate("claim idempotency key", err)
}

// IdempotencyKey returns the row of (scope, key) unexpired at now.
func (db *DB) IdempotencyKey(ctx context.Context, scope, key string, now time.Time) (idempotency.Record, bool, error) {
	var rec idempotency.Record
	var state string
	err := db.sql.QueryRowContext(ctx, db.iq.idempotencyKey, scope, key, timestamp(now)).Scan(&state,
		&rec.Fingerprint, &rec.Response.Status, &rec.Response.ContentType, &rec.Response.Location, &rec.Response.ETag,
		&rec.Response.Body, (*timestamp)(&rec.CreatedAt), (*timestamp)(&rec.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return idempotency.Record{}, false, nil
	}
	if err != nil {
		return idempotency.Record{}, false, db.translate("idempotency key", err)
	}
	rec.Done = state == "done"
	return rec, true, nil
}

// FinishIdempotencyKey keeps r for c's key until expires, if c still holds it.
func (db *DB) FinishIdempotencyKey(ctx context.Context, c idempotency.Claim, fingerprint string, r idempotency.Response, expires time.Time) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	_, err := db.sql.ExecContext(ctx, db.iq.finishIdempotencyKey, c.Scope, c.Key, c.ID, fingerprint, r.Status,
		r.ContentType, r.Location, r.ETag, body, timestamp(expires))
	return db.translate("finish idempotency key", err)
}

// ReleaseIdempotencyKey deletes c's key if c still holds it, in progress.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, c idempotency.Claim) error {
	_, err := db.sql.ExecContext(ctx, db.iq.releaseIdempotencyKey, c.Scope, c.Key, c.ID)
	return db.translate("release idempotency key", err)
}

// DeleteIdempotencyKeysBefore deletes up to limit rows expired at cutoff and
// returns how many: fewer than limit when none are left.
func (db *DB) DeleteIdempotencyKeysBefore(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.iq.deleteIdempotencyKeysBefore, timestamp(cutoff), limit)
	if err != nil {
		return 0, db.translate("delete idempotency keys", err)
	}
	n, err := res.RowsAffected()
	return int(n), db.translate("delete idempotency keys", err)
}
