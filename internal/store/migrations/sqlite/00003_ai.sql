-- AI replies and single-use stream tokens (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE ai_replies (
    id                TEXT NOT NULL PRIMARY KEY,
    ticket_id         TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    instance_id       TEXT NOT NULL DEFAULT '',
    requested_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
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
    created_at        TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    heartbeat_at      TEXT NOT NULL CHECK (heartbeat_at GLOB '????-??-??T??:??:??.??????Z'),
    finished_at       TEXT CHECK (finished_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;

CREATE UNIQUE INDEX ai_replies_one_streaming_idx ON ai_replies (ticket_id) WHERE status = 'streaming';
CREATE INDEX ai_replies_ticket_idx ON ai_replies (ticket_id, created_at);
CREATE INDEX ai_replies_requester_idx ON ai_replies (requested_by, created_at);
CREATE INDEX ai_replies_heartbeat_idx ON ai_replies (heartbeat_at) WHERE status = 'streaming';
CREATE INDEX ai_replies_instance_idx ON ai_replies (instance_id) WHERE status = 'streaming';

CREATE TABLE stream_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL CHECK (expires_at GLOB '????-??-??T??:??:??.??????Z'),
    used_at    TEXT CHECK (used_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
CREATE INDEX stream_tokens_user_idx ON stream_tokens (user_id);
CREATE INDEX stream_tokens_ticket_idx ON stream_tokens (ticket_id);
CREATE INDEX stream_tokens_expires_idx ON stream_tokens (expires_at);

-- +goose Down
DROP TABLE stream_tokens;
DROP TABLE ai_replies;
