-- Idempotency keys (issue 13): the first response to a POST with an
-- Idempotency-Key, kept for 24 hours and replayed to the same caller's retries
-- (internal/idempotency). scope is the caller ('user:<id>', or 'ip:<address>'
-- for signups), key the client's. A row is 'in_progress' while its first
-- request runs (claim_id names that request, expires_at is the end of its
-- lease), then 'done' with the request's fingerprint and the response, until
-- expires_at (created_at + 24 h). Responses the client may retry (5xx, 429)
-- are not kept: their row is deleted. Expired rows are absent to every query
-- and deleted hourly in batches (expires_at's index).

-- +goose Up
CREATE TABLE idempotency_keys (
    scope        TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    claim_id     TEXT COLLATE "C" NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    fingerprint  TEXT NOT NULL DEFAULT '',
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    etag         TEXT NOT NULL DEFAULT '',
    body         BYTEA,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key),
    CHECK ((state = 'done') = (body IS NOT NULL))
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
