package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/support"
)

var _ support.WebhookStore = (*DB)(nil)

// CreateWebhookEndpoint stores e unless max endpoints exist already
// (support.ErrWebhookLimit); the count and the insert share a transaction,
// taken in turn on PostgreSQL (an advisory lock) and on SQLite (the write lock).
func (db *DB) CreateWebhookEndpoint(ctx context.Context, e *support.WebhookEndpoint, max int) error {
	e.CreatedAt, e.UpdatedAt = normTime(e.CreatedAt), normTime(e.UpdatedAt)
	e.FailingSince = normTime(e.FailingSince) // the zero time stays zero
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect.engine == postgresDialect.engine {
			if _, err := tx.ExecContext(ctx, db.wq.lockWebhooks); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.wq.countWebhookEndpoints).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return support.ErrWebhookLimit
		}
		_, err := tx.ExecContext(ctx, db.wq.createWebhookEndpoint, e.ID, e.URL, e.Description, eventTypesJSON(e.EventTypes),
			e.Internal, e.Enabled, e.DisabledReason, nullableTime(e.DisabledAt), e.SecretSealed, e.PreviousSecretSealed,
			nullableTime(e.PreviousSecretExpiresAt), nullIfEmpty(e.CreatedBy), timestamp(e.CreatedAt), timestamp(e.UpdatedAt),
			nullableTime(e.FailingSince))
		return err
	})
	if errors.Is(err, support.ErrWebhookLimit) {
		return err
	}
	return db.translate("create webhook endpoint", err)
}

// WebhookEndpointByID returns the endpoint with id, or support.ErrNotFound.
func (db *DB) WebhookEndpointByID(ctx context.Context, id string) (*support.WebhookEndpoint, error) {
	e, err := scanWebhook(db.sql.QueryRowContext(ctx, db.wq.webhookEndpointByID, id))
	if err != nil {
		return nil, db.translate("webhook endpoint", err)
	}
	return &e, nil
}

// ListWebhookEndpoints returns up to limit endpoints, newest first, after the keyset after.
func (db *DB) ListWebhookEndpoints(ctx context.Context, after *support.PageKey, limit int) ([]support.WebhookEndpoint, error) {
	afterID, afterAt := "", timestamp(time.Time{})
	if after != nil {
		afterID, afterAt = after.ID, timestamp(after.CreatedAt)
	}
	list, err := queryAll(ctx, db.sql, db.wq.listWebhookEndpoints, scanWebhook, afterID, afterAt, limit)
	return list, db.translate("list webhook endpoints", err)
}

// UpdateWebhookEndpoint applies change to the endpoint with id and stores the
// result in one transaction, the row locked (FOR UPDATE on PostgreSQL, the
// write lock on SQLite). An error change returns stores nothing and is
// returned as it is.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, id string, change func(*support.WebhookEndpoint) error) (*support.WebhookEndpoint, error) {
	var out *support.WebhookEndpoint
	query := db.wq.webhookEndpointForUpdate
	if db.dialect.engine == postgresDialect.engine {
		query += " FOR UPDATE"
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		e, err := scanWebhook(tx.QueryRowContext(ctx, query, id))
		if err != nil {
			return err
		}
		if err := change(&e); err != nil {
			return err
		}
		e.UpdatedAt = normTime(e.UpdatedAt) // as stored, so e equals what WebhookEndpointByID returns
		if !e.DisabledAt.IsZero() {
			e.DisabledAt = normTime(e.DisabledAt)
		}
		if !e.PreviousSecretExpiresAt.IsZero() {
			e.PreviousSecretExpiresAt = normTime(e.PreviousSecretExpiresAt)
		}
		if !e.FailingSince.IsZero() {
			e.FailingSince = normTime(e.FailingSince)
		}
		if _, err := tx.ExecContext(ctx, db.wq.updateWebhookEndpoint, e.ID, e.URL, e.Description, eventTypesJSON(e.EventTypes),
			e.Internal, e.Enabled, e.DisabledReason, nullableTime(e.DisabledAt), e.SecretSealed, e.PreviousSecretSealed,
			nullableTime(e.PreviousSecretExpiresAt), timestamp(e.UpdatedAt), nullableTime(e.FailingSince)); err != nil {
			return err
		}
		out = &e
		return nil
	})
	var de *support.Error
	if errors.As(err, &de) && !errors.Is(err, support.ErrNotFound) {
		return nil, err // the change's own verdict
	}
	return out, db.translate("update webhook endpoint", err)
}

// DeleteWebhookEndpoint deletes the endpoint with id, or returns support.ErrNotFound.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	res, err := db.sql.ExecContext(ctx, db.wq.deleteWebhookEndpoint, id)
	return db.translate("delete webhook endpoint", mustAffect(res, err, "webhook endpoint", id))
}

// eventTypesJSON is a subscription as stored: a JSON array, [] for every type.
func eventTypesJSON(types []support.EventType) string {
	if len(types) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(types) // strings always marshal
	return string(b)
}

func scanWebhook(row rowScanner) (support.WebhookEndpoint, error) {
	var e support.WebhookEndpoint
	var types string
	var disabledAt, prevExpires, failingSince nullTime
	var createdBy sql.NullString
	if err := row.Scan(&e.ID, &e.URL, &e.Description, &types, &e.Internal, &e.Enabled, &e.DisabledReason, &disabledAt,
		&e.SecretSealed, &e.PreviousSecretSealed, &prevExpires, &createdBy, (*timestamp)(&e.CreatedAt),
		(*timestamp)(&e.UpdatedAt), &failingSince); err != nil {
		return e, err
	}
	e.DisabledAt, e.PreviousSecretExpiresAt, e.CreatedBy = disabledAt.t, prevExpires.t, createdBy.String
	e.FailingSince = failingSince.t
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return e, fmt.Errorf("decode webhook event types: %w", err)
	}
	if e.EventTypes == nil {
		e.EventTypes = []support.EventType{}
	}
	return e, nil
}

// webhookQueries holds the statements of webhook_queries.sql.
type webhookQueries struct {
	createWebhookEndpoint    string
	countWebhookEndpoints    string
	lockWebhooks             string
	webhookEndpointByID      string
	webhookEndpointForUpdate string
	listWebhookEndpoints     string
	updateWebhookEndpoint    string
	deleteWebhookEndpoint    string

	// Delivery (webhook_delivery.go).
	enabledWebhookEndpoints  string
	webhookCursor            string
	setWebhookCursor         string
	recordWebhookAttempt     string
	listWebhookAttempts      string
	listWebhookEventAttempts string
	markWebhookFailing       string
	markWebhookHealthy       string
	pruneWebhookAttempts     string
}

func (q *webhookQueries) targets() map[string]*string {
	return map[string]*string{
		"create-webhook-endpoint":     &q.createWebhookEndpoint,
		"count-webhook-endpoints":     &q.countWebhookEndpoints,
		"lock-webhooks":               &q.lockWebhooks,
		"webhook-endpoint-by-id":      &q.webhookEndpointByID,
		"webhook-endpoint-for-update": &q.webhookEndpointForUpdate,
		"list-webhook-endpoints":      &q.listWebhookEndpoints,
		"update-webhook-endpoint":     &q.updateWebhookEndpoint,
		"delete-webhook-endpoint":     &q.deleteWebhookEndpoint,
		"enabled-webhook-endpoints":   &q.enabledWebhookEndpoints,
		"webhook-cursor":              &q.webhookCursor,
		"set-webhook-cursor":          &q.setWebhookCursor,
		"record-webhook-attempt":      &q.recordWebhookAttempt,
		"list-webhook-attempts":       &q.listWebhookAttempts,
		"list-webhook-event-attempts": &q.listWebhookEventAttempts,
		"mark-webhook-failing":        &q.markWebhookFailing,
		"mark-webhook-healthy":        &q.markWebhookHealthy,
		"prune-webhook-attempts":      &q.pruneWebhookAttempts,
	}
}
