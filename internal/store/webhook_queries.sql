-- Webhook endpoints (issue 12; migration 00012). Same rules as queries.sql.

-- name: create-webhook-endpoint
INSERT INTO webhook_endpoints (id, url, description, event_types, internal, enabled, disabled_reason, disabled_at,
    secret_ciphertext, previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: count-webhook-endpoints
-- Before a registration, in its transaction: at most MaxWebhookEndpoints. On
-- PostgreSQL the transaction holds lock-webhooks first, so concurrent
-- registrations count in turn; SQLite's writers take turns anyway.
SELECT count(*) FROM webhook_endpoints;

-- name: lock-webhooks
-- PostgreSQL only: registrations take turns (held until the transaction ends).
SELECT pg_advisory_xact_lock(7367520552);

-- name: webhook-endpoint-by-id
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at
FROM webhook_endpoints
WHERE id = $1;

-- name: webhook-endpoint-for-update
-- The row an update changes. SQLite's transactions hold the write lock from
-- the start; FOR UPDATE is added on PostgreSQL (webhooks.go).
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at
FROM webhook_endpoints
WHERE id = $1;

-- name: list-webhook-endpoints
-- $1/$2 the keyset (id, created_at) to start after, or ''; webhook_endpoints_created_idx.
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at
FROM webhook_endpoints
WHERE ($1 = '' OR (created_at, id) < ($2, $1))
ORDER BY created_at DESC, id DESC
LIMIT $3;

-- name: update-webhook-endpoint
UPDATE webhook_endpoints
SET url = $2, description = $3, event_types = $4, internal = $5, enabled = $6, disabled_reason = $7, disabled_at = $8,
    secret_ciphertext = $9, previous_secret_ciphertext = $10, previous_secret_expires_at = $11, updated_at = $12
WHERE id = $1;

-- name: delete-webhook-endpoint
DELETE FROM webhook_endpoints WHERE id = $1;
