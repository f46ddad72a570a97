-- Webhook endpoints (issue 12): where admins have events sent. This step
-- registers them; delivery (a job queue reading the feed, attempts) comes next
-- and will reference endpoints by id.
--
-- event_types is a JSON array of event types ('[]': every type). Secrets are
-- the whsec_ strings sealed with AES-256-GCM under a key derived from
-- SECRET_KEY (internal/webhook/secretbox), never stored in the clear; a
-- rotation keeps the previous secret until previous_secret_expires_at, so
-- deliveries are signed with both during the grace period.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id                         TEXT COLLATE "C" PRIMARY KEY,
    url                        TEXT NOT NULL,
    description                TEXT NOT NULL DEFAULT '',
    event_types                TEXT NOT NULL DEFAULT '[]',
    internal                   BOOLEAN NOT NULL DEFAULT FALSE,
    enabled                    BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason            TEXT NOT NULL DEFAULT '',
    disabled_at                TIMESTAMPTZ,
    secret_ciphertext          TEXT NOT NULL,
    previous_secret_ciphertext TEXT NOT NULL DEFAULT '',
    previous_secret_expires_at TIMESTAMPTZ,
    created_by                 TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL
);
-- GET /admin/webhooks: newest first, keyset pages on (created_at, id).
CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at DESC, id DESC);

-- +goose Down
DROP TABLE webhook_endpoints;
