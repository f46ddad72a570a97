-- The feed (issue 12): every ticket's events in one order, read from a cursor
-- by the live streams. SQLite's writers take turns, so event ids are taken in
-- commit order and the id alone is the cursor (PostgreSQL needs the writing
-- transaction's id as well: see its 00011). One instance, woken in process.
--
-- AI replies publish when they start and when they fail (a completed reply is
-- its message's ai_reply event), written by triggers on ai_replies. SQLite
-- cannot change a CHECK constraint, so ticket_events is rebuilt with the two
-- new types (same ids, same indexes).
--
-- live_tokens are the single-use tickets that open a WebSocket or an SSE
-- stream without putting a long-lived token in a URL.

-- +goose Up
CREATE TABLE ticket_events_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    type       TEXT NOT NULL
        CHECK (type IN ('created', 'status', 'priority', 'assignee', 'tags', 'message', 'note', 'ai_reply',
                        'ai_reply_started', 'ai_reply_failed')),
    old_value  TEXT,
    new_value  TEXT,
    internal   INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
INSERT INTO ticket_events_new (id, ticket_id, actor_id, type, old_value, new_value, internal, created_at)
SELECT id, ticket_id, actor_id, type, old_value, new_value, internal, created_at FROM ticket_events;
DROP TABLE ticket_events;
ALTER TABLE ticket_events_new RENAME TO ticket_events;
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id);

-- +goose StatementBegin
CREATE TRIGGER ai_replies_started AFTER INSERT ON ai_replies
BEGIN
    INSERT INTO ticket_events (ticket_id, actor_id, type, new_value, internal, created_at)
    VALUES (NEW.ticket_id, NEW.requested_by, 'ai_reply_started', json_quote(NEW.id), 0, NEW.created_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ai_replies_failed AFTER UPDATE OF status ON ai_replies
WHEN NEW.status = 'failed' AND OLD.status = 'streaming'
BEGIN
    INSERT INTO ticket_events (ticket_id, actor_id, type, new_value, internal, created_at)
    VALUES (NEW.ticket_id, NULL, 'ai_reply_failed', json_quote(NEW.id), 0, coalesce(NEW.finished_at, NEW.heartbeat_at));
END;
-- +goose StatementEnd

CREATE TABLE live_tokens (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_version INTEGER NOT NULL,
    expires_at    TEXT NOT NULL CHECK (expires_at GLOB '????-??-??T??:??:??.??????Z'),
    used_at       TEXT
);
CREATE INDEX live_tokens_user_idx ON live_tokens (user_id);
CREATE INDEX live_tokens_expires_idx ON live_tokens (expires_at);

-- +goose Down
DROP TABLE live_tokens;
DROP TRIGGER ai_replies_failed;
DROP TRIGGER ai_replies_started;
DELETE FROM ticket_events WHERE type IN ('ai_reply_started', 'ai_reply_failed');
