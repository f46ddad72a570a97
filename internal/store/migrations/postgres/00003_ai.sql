-- AI replies and single-use stream tokens.
-- A reply row exists from the first request; its message is inserted only when
-- it completes, so a thread never shows a partial answer as complete.

-- +goose Up
CREATE TABLE ai_replies (
    id                TEXT COLLATE "C" PRIMARY KEY,
    ticket_id         TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    instance_id       TEXT NOT NULL DEFAULT '',
    requested_by      TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    status            TEXT NOT NULL CHECK (status IN ('streaming', 'completed', 'failed')),
    content           TEXT NOT NULL DEFAULT '',
    chunk_ends        TEXT NOT NULL DEFAULT '[]',
    provider          TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    ttft_ms           INTEGER NOT NULL DEFAULT 0,
    total_ms          INTEGER NOT NULL DEFAULT 0,
    citations         TEXT NOT NULL DEFAULT '[]',
    error             TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    heartbeat_at      TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ
);

-- At most one generation per ticket at a time, across every instance.
CREATE UNIQUE INDEX ai_replies_one_streaming_idx ON ai_replies (ticket_id) WHERE status = 'streaming';
-- The latest reply of a ticket (latest-reply); also serves the cascade.
CREATE INDEX ai_replies_ticket_idx ON ai_replies (ticket_id, created_at);
-- A user's replies in the last hour (count-replies-since); also serves SET NULL.
CREATE INDEX ai_replies_requester_idx ON ai_replies (requested_by, created_at);
-- Stale streaming replies (fail-stale-replies).
CREATE INDEX ai_replies_heartbeat_idx ON ai_replies (heartbeat_at) WHERE status = 'streaming';
-- One instance's streaming replies, for its heartbeat (heartbeat-instance).
CREATE INDEX ai_replies_instance_idx ON ai_replies (instance_id) WHERE status = 'streaming';

CREATE TABLE stream_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_id  TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX stream_tokens_user_idx ON stream_tokens (user_id);
CREATE INDEX stream_tokens_ticket_idx ON stream_tokens (ticket_id);
CREATE INDEX stream_tokens_expires_idx ON stream_tokens (expires_at);

-- +goose Down
DROP TABLE stream_tokens;
DROP TABLE ai_replies;
