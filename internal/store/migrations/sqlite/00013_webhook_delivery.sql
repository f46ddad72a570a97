-- Webhook delivery (issue 12): a dispatcher reads the feed from a cursor and,
-- in the same transaction, enqueues one durable job per event and endpoint;
-- workers send them and record each attempt here. See the PostgreSQL migration
-- for the tables; booleans are 0/1 and times fixed-width UTC text here.
--
-- SQLite's writers take turns, so the cursor is the event id alone (tx stays
-- 0, kept so both engines read the same row), and a dispatch's transaction,
-- which begins IMMEDIATE, holds the cursor without a row lock.
--
-- webhook_attempts.id is a plain INTEGER PRIMARY KEY: ids are only compared
-- within the rows kept, and the prune deletes the oldest, so the sqlite_sequence
-- bookkeeping of AUTOINCREMENT buys nothing.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TEXT
    CHECK (failing_since GLOB '????-??-??T??:??:??.??????Z');

CREATE TABLE webhook_cursor (
    name     TEXT PRIMARY KEY,
    tx       INTEGER NOT NULL,
    event_id INTEGER NOT NULL
) STRICT;
INSERT INTO webhook_cursor (name, tx, event_id) VALUES ('webhooks', '0', 0);

CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL,
    message_id       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    trigger          TEXT NOT NULL CHECK (trigger IN ('event', 'redelivery', 'replay')),
    succeeded        INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    status_code      INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    duration_us      INTEGER NOT NULL DEFAULT 0,
    response_excerpt TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
-- An endpoint's attempts newest first (and the cascade from webhook_endpoints).
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id DESC);
-- One event's attempts at an endpoint, newest first.
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (endpoint_id, event_id, id DESC);
-- The retention prune: a range scan of the oldest.
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);

-- A replay reads a time range of events.
CREATE INDEX ticket_events_created_idx ON ticket_events (created_at);

-- +goose Down
DROP INDEX ticket_events_created_idx;
DROP TABLE webhook_attempts;
DROP TABLE webhook_cursor;
ALTER TABLE webhook_endpoints DROP COLUMN failing_since;
