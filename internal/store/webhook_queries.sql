-- Webhook endpoints (issue 12; migrations 00012 and 00013) and their delivery
-- (webhook_delivery.go). Same rules as queries.sql. The statements that read
-- the feed differ by engine and are built in webhook_delivery.go.

-- name: create-webhook-endpoint
INSERT INTO webhook_endpoints (id, url, description, event_types, internal, enabled, disabled_reason, disabled_at,
    secret_ciphertext, previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at,
    failing_since)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

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
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at, failing_since
FROM webhook_endpoints
WHERE id = $1;

-- name: webhook-endpoint-for-update
-- The row an update changes. SQLite's transactions hold the write lock from
-- the start; FOR UPDATE is added on PostgreSQL (webhooks.go).
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at, failing_since
FROM webhook_endpoints
WHERE id = $1;

-- name: list-webhook-endpoints
-- $1/$2 the keyset (id, created_at) to start after, or ''; webhook_endpoints_created_idx.
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at, failing_since
FROM webhook_endpoints
WHERE ($1 = '' OR (created_at, id) < ($2, $1))
ORDER BY created_at DESC, id DESC
LIMIT $3;

-- name: update-webhook-endpoint
UPDATE webhook_endpoints
SET url = $2, description = $3, event_types = $4, internal = $5, enabled = $6, disabled_reason = $7, disabled_at = $8,
    secret_ciphertext = $9, previous_secret_ciphertext = $10, previous_secret_expires_at = $11, updated_at = $12,
    failing_since = $13
WHERE id = $1;

-- name: delete-webhook-endpoint
DELETE FROM webhook_endpoints WHERE id = $1;

-- name: enabled-webhook-endpoints
-- What a dispatch hands on to: every enabled endpoint (at most
-- MaxWebhookEndpoints, so no index), oldest first.
SELECT id, url, description, event_types, internal, enabled, disabled_reason, disabled_at, secret_ciphertext,
    previous_secret_ciphertext, previous_secret_expires_at, created_by, created_at, updated_at, failing_since
FROM webhook_endpoints
WHERE enabled
ORDER BY created_at, id;

-- name: webhook-cursor
-- The dispatcher's position, read as text on both engines (tx is an xid8 on
-- PostgreSQL). FOR UPDATE is added on PostgreSQL (webhook_delivery.go): a
-- second dispatcher waits here, then reads the cursor the first one moved.
SELECT CAST(tx AS TEXT), event_id FROM webhook_cursor WHERE name = $1;

-- name: set-webhook-cursor
-- $2 is the transaction id as text (PostgreSQL parses it into xid8, SQLite's
-- INTEGER column converts it).
UPDATE webhook_cursor SET tx = $2, event_id = $3 WHERE name = $1;

-- name: record-webhook-attempt
-- Inserts nothing (no row returned) when the endpoint is gone, rather than
-- failing on the foreign key: a delivery may outlive its endpoint's deletion.
INSERT INTO webhook_attempts (endpoint_id, event_id, message_id, attempt, trigger, succeeded, status_code, error,
    duration_us, response_excerpt, created_at)
SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
FROM webhook_endpoints
WHERE id = $1
RETURNING id;

-- name: list-webhook-attempts
-- An endpoint's attempts below the id $2 (the largest id for the first page),
-- newest first: a range scan of webhook_attempts_endpoint_idx.
SELECT id, endpoint_id, event_id, message_id, attempt, trigger, succeeded, status_code, error, duration_us,
    response_excerpt, created_at
FROM webhook_attempts
WHERE endpoint_id = $1 AND id < $2
ORDER BY id DESC
LIMIT $3;

-- name: list-webhook-event-attempts
-- list-webhook-attempts for the one event $2: a separate statement rather than
-- an optional filter, so a cached plan ranges over webhook_attempts_event_idx.
SELECT id, endpoint_id, event_id, message_id, attempt, trigger, succeeded, status_code, error, duration_us,
    response_excerpt, created_at
FROM webhook_attempts
WHERE endpoint_id = $1 AND event_id = $2 AND id < $3
ORDER BY id DESC
LIMIT $4;

-- name: mark-webhook-failing
-- Keeps the time of the first failure of a run; returns the one in force. No
-- row: the endpoint is gone.
UPDATE webhook_endpoints
SET failing_since = COALESCE(failing_since, $2)
WHERE id = $1
RETURNING failing_since;

-- name: mark-webhook-healthy
-- Matches no row while healthy, so a success (the common case) writes nothing.
UPDATE webhook_endpoints
SET failing_since = NULL
WHERE id = $1 AND failing_since IS NOT NULL;

-- name: prune-webhook-attempts
-- One batch of the retention prune: up to $2 attempts created before $1, found
-- by a range scan of webhook_attempts_created_idx. Instances pruning at once
-- may pick the same rows; each is deleted once, the other DELETE counts fewer.
DELETE FROM webhook_attempts
WHERE id IN (SELECT id FROM webhook_attempts WHERE created_at < $1 LIMIT $2);
