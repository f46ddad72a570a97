-- Idempotency keys (issue 13): see the PostgreSQL migration for the design;
-- times are fixed-width UTC text here.

-- +goose Up
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    claim_id     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    fingerprint  TEXT NOT NULL DEFAULT '',
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    etag         TEXT NOT NULL DEFAULT '',
    body         BLOB,
    created_at   TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    expires_at   TEXT NOT NULL CHECK (expires_at GLOB '????-??-??T??:??:??.??????Z'),
    PRIMARY KEY (scope, key),
    CHECK ((state = 'done') = (body IS NOT NULL))
) STRICT;
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
