package support

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/supportd/supportd/internal/logging"
)

// Audit actions: what the audit log records.
const (
	AuditLogin           = "auth.login"
	AuditLoginFailed     = "auth.login_failed"
	AuditLoginLockedOut  = "auth.login_locked_out"
	AuditLogout          = "auth.logout"
	AuditRefreshReused   = "auth.refresh_reused"
	AuditPasswordChanged = "account.password_changed"
	AuditAccountCreated  = "account.created"
	AuditRoleChanged     = "account.role_changed"
	AuditDeactivated     = "account.deactivated"
	AuditReactivated     = "account.reactivated"
	AuditSessionsEnded   = "account.sessions_ended"
	AuditAccountDeleted  = "account.deleted"
	AuditArticleCreated  = "kb.article_created"
	AuditArticleUpdated  = "kb.article_updated"
	AuditArticleDeleted  = "kb.article_deleted"

	AuditWebhookCreated       = "webhook.created"
	AuditWebhookUpdated       = "webhook.updated"
	AuditWebhookDeleted       = "webhook.deleted"
	AuditWebhookSecretRotated = "webhook.secret_rotated"
	AuditWebhookRedelivered   = "webhook.redelivered"
	AuditWebhookReplayed      = "webhook.replayed"
)

// AuditEntry is one recorded action. ActorID is empty for an anonymous one (a
// failed login); ClientIP and RequestID come from the request.
type AuditEntry struct {
	ID         int64
	At         time.Time
	Action     string
	ActorID    string
	TargetType string // "user", "session", "article", "webhook"
	TargetID   string
	ClientIP   string
	RequestID  string
	Detail     map[string]string // e.g. the old and new role
}

// AuditFilter selects a page of the audit log, newest first.
type AuditFilter struct {
	Action, ActorID, TargetID string
	Since, Until              time.Time // zero: unbounded
	Before                    int64     // only entries with a smaller id; 0: from the newest
	Limit                     int
}

// AuditStore persists the audit log.
type AuditStore interface {
	RecordAudit(ctx context.Context, e *AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// DeleteAuditBefore deletes up to limit entries recorded before cutoff and
	// returns how many it deleted.
	DeleteAuditBefore(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Auditor records actions in the audit log. A failure to record is logged and
// never fails the action: the log line keeps the record.
type Auditor struct {
	store AuditStore
	log   *slog.Logger
	now   func() time.Time
}

// NewAuditor returns an Auditor writing to store.
func NewAuditor(store AuditStore, log *slog.Logger, now func() time.Time) *Auditor {
	return &Auditor{store: store, log: log, now: now}
}

// record stores e, stamped with the time and the request's client and id.
func (a *Auditor) record(ctx context.Context, e AuditEntry) {
	if a == nil {
		return
	}
	e.At = a.now().UTC().Truncate(time.Microsecond)
	if f := logging.FieldsFrom(ctx); f != nil {
		e.RequestID = f.RequestID
		if e.ClientIP == "" {
			e.ClientIP = f.ClientIP
		}
	}
	if err := a.store.RecordAudit(context.WithoutCancel(ctx), &e); err != nil {
		a.log.ErrorContext(ctx, "recording an audit entry failed", "action", e.Action, "actor_id", e.ActorID,
			"target_id", e.TargetID, "err", err)
	}
}

// AuditPage is a page of the audit log and the cursor of the next one.
type AuditPage struct {
	Entries    []AuditEntry
	NextCursor string
}

// ListAudit returns a page of the audit log for an admin, newest first.
func (a *Auditor) ListAudit(ctx context.Context, actor Actor, f AuditFilter, cursor string) (*AuditPage, error) {
	if err := canReadAudit(actor); err != nil {
		return nil, err
	}
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, &Error{Code: CodeBadRequest, Message: "malformed cursor"}
		}
		f.Before = n
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return nil, Invalid(FieldError{Field: "until", Message: "must be after since"})
	}
	limit, err := pageSize(f.Limit)
	if err != nil {
		return nil, err
	}
	f.Limit = limit + 1
	entries, err := a.store.ListAudit(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	page := &AuditPage{Entries: entries[:min(len(entries), limit)]}
	if len(entries) > limit {
		page.NextCursor = strconv.FormatInt(page.Entries[limit-1].ID, 10)
	}
	return page, nil
}

// DetailJSON encodes the entry's detail for storage.
func (e *AuditEntry) DetailJSON() string {
	if len(e.Detail) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(e.Detail) // a map of strings always marshals
	return string(b)
}
