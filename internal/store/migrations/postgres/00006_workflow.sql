-- The ticket workflow, internal notes and the ticket event log (issue 11).
-- A ticket gains a priority, an assignee (an agent or admin), a set of tags and
-- a version that every change increments (the ETag of optimistic concurrency).

-- +goose Up
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
ALTER TABLE tickets ADD COLUMN assignee_id TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('open', 'pending', 'resolved', 'closed'));
-- Lets deleting a user find its assigned tickets for ON DELETE SET NULL.
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);

CREATE TABLE ticket_tags (
    ticket_id TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
-- The tickets carrying a tag (the agent queue's tag filter).
CREATE INDEX ticket_tags_tag_idx ON ticket_tags (tag, ticket_id);

-- Staff-only notes: a table of their own, so no query over messages can include one.
CREATE TABLE ticket_notes (
    id         TEXT COLLATE "C" PRIMARY KEY,
    ticket_id  TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    content    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- A ticket's notes, oldest first (notes-by-ticket); also serves the cascade.
CREATE INDEX ticket_notes_ticket_idx ON ticket_notes (ticket_id, created_at, id);
CREATE INDEX ticket_notes_author_idx ON ticket_notes (author_id);

-- The event log: one global order (id), read per ticket or, later, by
-- notifications and webhooks from a cursor. Values are JSON text; for message,
-- note and ai_reply events the new value is the message's or note's id.
CREATE TABLE ticket_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id   TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    type       TEXT NOT NULL
        CHECK (type IN ('created', 'status', 'priority', 'assignee', 'tags', 'message', 'note', 'ai_reply')),
    old_value  TEXT,
    new_value  TEXT,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
-- A ticket's history in order (events-after[-public]); also serves the cascade.
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id);

-- +goose Down
DROP TABLE ticket_events;
DROP TABLE ticket_notes;
DROP TABLE ticket_tags;
DROP INDEX tickets_assignee_idx;
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets DROP COLUMN version;
ALTER TABLE tickets DROP COLUMN assignee_id;
ALTER TABLE tickets DROP COLUMN priority;
