-- Attachments (issue 13): see the PostgreSQL migration for the design. SQLite
-- cannot change a CHECK constraint, so ticket_events is rebuilt with the new
-- "attachment" type (as 00011 did), its indexes recreated.

-- +goose Up
-- How many files a message carries: a thread read looks their rows up only
-- for the messages that have some.
ALTER TABLE messages ADD COLUMN attachment_count INTEGER NOT NULL DEFAULT 0 CHECK (attachment_count >= 0);
CREATE TABLE attachments (
    id           TEXT NOT NULL PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id   TEXT REFERENCES messages (id) ON DELETE CASCADE,
    note_id      TEXT REFERENCES ticket_notes (id) ON DELETE CASCADE,
    uploader_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    blob_key     TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    CHECK ((message_id IS NULL) <> (note_id IS NULL))
) STRICT;
CREATE INDEX attachments_message_idx ON attachments (message_id, created_at, id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_note_idx ON attachments (note_id, created_at, id) WHERE note_id IS NOT NULL;
-- A page of messages or notes reads its files in one statement: those of the
-- ticket created within the page's time range (a file has its owner's time).
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at, id);
CREATE INDEX attachments_uploader_idx ON attachments (uploader_id);

CREATE TABLE unowned_blobs (
    blob_key   TEXT NOT NULL PRIMARY KEY,
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
CREATE INDEX unowned_blobs_created_idx ON unowned_blobs (created_at);

-- The AI replies' triggers write events: SQLite checks them when the table is
-- renamed, so they are dropped first and made again (as in 00011).
DROP TRIGGER ai_replies_started;
DROP TRIGGER ai_replies_failed;
CREATE TABLE ticket_events_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    type       TEXT NOT NULL
        CHECK (type IN ('created', 'status', 'priority', 'assignee', 'tags', 'message', 'note', 'ai_reply',
                        'ai_reply_started', 'ai_reply_failed', 'attachment')),
    old_value  TEXT,
    new_value  TEXT,
    internal   INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
INSERT INTO ticket_events_new (id, ticket_id, actor_id, type, old_value, new_value, internal, created_at)
SELECT id, ticket_id, actor_id, type, old_value, new_value, internal, created_at FROM ticket_events;
-- Keep AUTOINCREMENT's high-water mark: ids of deleted events are never reused.
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ticket_events'), 0))
WHERE name = 'ticket_events_new';
DROP TABLE ticket_events;
ALTER TABLE ticket_events_new RENAME TO ticket_events;
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id);
CREATE INDEX ticket_events_created_idx ON ticket_events (created_at);
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

-- +goose Down
DELETE FROM ticket_events WHERE type = 'attachment';
DROP TABLE unowned_blobs;
DROP TABLE attachments;
ALTER TABLE messages DROP COLUMN attachment_count;
