-- Webhook endpoints (issue 12): where admins have events sent. This step
-- registers them; delivery (a job queue reading the feed, attempts) comes next
-- and will reference endpoints by id. See the PostgreSQL migration for the
-- columns; booleans are 0/1 and times fixed-width UTC text here.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY,
    url                        TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    event_types                TEXT NOT NULL DEFAULT '[]',
    internal                   INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    enabled                    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason            TEXT NOT NULL DEFAULT '',
    disabled_at                TEXT CHECK (disabled_at GLOB '????-??-??T??:??:??.??????Z'),
    secret_ciphertext          TEXT NOT NULL,
    previous_secret_ciphertext TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at TEXT CHECK (previous_secret_expires_at GLOB '????-??-??T??:??:??.??????Z'),
    created_by                 TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at                 TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    updated_at                 TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
-- GET /admin/webhooks: newest first, keyset pages on (created_at, id).
CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at DESC, id DESC);

-- +goose Down
DROP TABLE webhook_endpoints;
