-- The ticket workflow, internal notes and the ticket event log (see the
-- PostgreSQL migration). SQLite cannot add a CHECK to an existing column, so
-- tickets.status is checked by the service only.

-- +goose Up
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
ALTER TABLE tickets ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);

CREATE TABLE ticket_tags (
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) STRICT;
CREATE INDEX ticket_tags_tag_idx ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_notes (
    id         TEXT NOT NULL PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    content    TEXT NOT NULL,
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
CREATE INDEX ticket_notes_ticket_idx ON ticket_notes (ticket_id, created_at, id);
CREATE INDEX ticket_notes_author_idx ON ticket_notes (author_id);

-- AUTOINCREMENT: ids are never reused, even after the newest row is deleted, so
-- a reader's cursor never skips an event.
CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id   TEXT REFERENCES users (id) ON DELETE SET NULL,
    type       TEXT NOT NULL
        CHECK (type IN ('created', 'status', 'priority', 'assignee', 'tags', 'message', 'note', 'ai_reply')),
    old_value  TEXT,
    new_value  TEXT,
    internal   INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id);

-- +goose Down
DROP TABLE ticket_events;
DROP TABLE ticket_notes;
DROP TABLE ticket_tags;
DROP INDEX tickets_assignee_idx;
ALTER TABLE tickets DROP COLUMN version;
ALTER TABLE tickets DROP COLUMN assignee_id;
ALTER TABLE tickets DROP COLUMN priority;
