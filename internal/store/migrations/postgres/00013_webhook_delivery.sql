-- Webhook delivery (issue 12): a dispatcher reads the feed from a cursor and,
-- in the same transaction, enqueues one durable job per event and endpoint
-- (River, whose tables River's own migrations create); workers send them and
-- record each attempt here.
--
-- webhook_endpoints.failing_since is when deliveries to the endpoint began to
-- fail without a success since (NULL while healthy): an endpoint failing for
-- longer than WEBHOOK_DISABLE_AFTER is disabled.
--
-- webhook_cursor is the dispatcher's position in the feed, the (tx, id) of
-- the last event it handed on (see 00011 for why the transaction id is part of
-- it). One row per dispatcher, locked FOR UPDATE while it reads and enqueues:
-- instances dispatching at once take turns, and the second reads the cursor
-- the first moved, so no event is enqueued twice.
--
-- webhook_attempts keeps each try, for the admin API (an endpoint's attempts
-- newest first, or one event's) until the retention prune deletes it (by
-- created_at). event_id has no foreign key: attempts are kept as history, and a
-- ticket's deletion (which deletes its events) should not erase what was sent.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN failing_since TIMESTAMPTZ;

CREATE TABLE webhook_cursor (
    name     TEXT COLLATE "C" PRIMARY KEY,
    tx       xid8 NOT NULL,
    event_id BIGINT NOT NULL
);
-- The start of the feed: the first dispatch with an endpoint hands on every
-- event; one with none fast-forwards to the head.
INSERT INTO webhook_cursor (name, tx, event_id) VALUES ('webhooks', '0', 0);

CREATE TABLE webhook_attempts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL,
    message_id       TEXT COLLATE "C" NOT NULL,
    attempt          INTEGER NOT NULL,
    trigger          TEXT NOT NULL CHECK (trigger IN ('event', 'redelivery', 'replay')),
    succeeded        BOOLEAN NOT NULL,
    status_code      INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    duration_us      BIGINT NOT NULL DEFAULT 0,
    response_excerpt TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL
);
-- An endpoint's attempts newest first (and the cascade from webhook_endpoints).
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, id DESC);
-- One event's attempts at an endpoint, newest first.
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (endpoint_id, event_id, id DESC);
-- The retention prune: a range scan of the oldest.
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);

-- A replay reads a time range of events. Events are appended in time order,
-- so a BRIN index (a few pages for millions of rows, next to nothing per
-- insert) finds the range without a B-tree on the hot write path.
CREATE INDEX ticket_events_created_brin ON ticket_events USING brin (created_at);

-- +goose Down
DROP INDEX ticket_events_created_brin;
DROP TABLE webhook_attempts;
DROP TABLE webhook_cursor;
ALTER TABLE webhook_endpoints DROP COLUMN failing_since;
