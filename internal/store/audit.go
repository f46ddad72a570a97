package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// RecordAudit appends an entry to the audit log.
func (db *DB) RecordAudit(ctx context.Context, e *support.AuditEntry) error {
	_, err := db.sql.ExecContext(ctx, db.uq.recordAudit, timestamp(e.At), e.Action, nullIfEmpty(e.ActorID),
		e.TargetType, e.TargetID, e.ClientIP, e.RequestID, e.DetailJSON())
	return db.translate("record audit", err)
}

// auditEnd stands for "no upper bound" in list-audit: later than any stored time.
var auditEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// ListAudit returns entries matching f, newest first.
func (db *DB) ListAudit(ctx context.Context, f support.AuditFilter) ([]support.AuditEntry, error) {
	until := f.Until
	if until.IsZero() {
		until = auditEnd
	}
	entries, err := queryAll(ctx, db.sql, db.uq.listAudit, scanAudit, f.Action, f.ActorID, f.TargetID,
		timestamp(f.Since), timestamp(until), f.Before, f.Limit)
	return entries, db.translate("list audit", err)
}

// DeleteAuditBefore deletes up to limit entries recorded before cutoff and
// returns how many it deleted: fewer than limit when none older are left.
func (db *DB) DeleteAuditBefore(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.uq.deleteAuditBefore, timestamp(cutoff), limit)
	if err != nil {
		return 0, db.translate("delete audit", err)
	}
	n, err := res.RowsAffected()
	return int(n), db.translate("delete audit", err)
}

func scanAudit(row rowScanner) (support.AuditEntry, error) {
	var e support.AuditEntry
	var actor sql.NullString
	var detail string
	if err := row.Scan(&e.ID, (*timestamp)(&e.At), &e.Action, &actor, &e.TargetType, &e.TargetID, &e.ClientIP,
		&e.RequestID, &detail); err != nil {
		return e, err
	}
	e.ActorID = actor.String
	if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
		return e, fmt.Errorf("decode audit detail: %w", err)
	}
	return e, nil
}

// auditQueries holds the statements of audit_queries.sql.
type auditQueries struct {
	recordAudit, listAudit, deleteAuditBefore string
}

func (q *auditQueries) targets() map[string]*string {
	return map[string]*string{"record-audit": &q.recordAudit, "list-audit": &q.listAudit,
		"delete-audit-before": &q.deleteAuditBefore}
}
