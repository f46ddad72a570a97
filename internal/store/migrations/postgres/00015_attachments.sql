-- Attachments (issue 13): files sent with a message or an internal note. The
-- bytes live in the blob store (BLOB_URL) under a server-generated key; this
-- row holds what the server found out about them: the sanitised name, the
-- size, the SHA-256 and the type detected from the bytes.
--
-- A file is written to the blob store before its message exists, so the
-- upload streams without being held in memory or on local disk. Its key is
-- first listed in unowned_blobs (committed before the upload starts); the
-- transaction that stores the message and its attachments deletes that row.
-- Whatever is left there (a failed upload, a crash mid-request, a deleted
-- account's files) is deleted from the blob store by the sweeper once older
-- than its grace. So no blob is ever left without a row pointing at it or one
-- saying it must go.
--
-- Attachments get an "attachment" event each (internal when on a note), so
-- the history, the live streams and webhooks show them.

-- +goose Up
-- How many files a message carries: a thread read looks their rows up only
-- for the messages that have some.
ALTER TABLE messages ADD COLUMN attachment_count INTEGER NOT NULL DEFAULT 0 CHECK (attachment_count >= 0);
CREATE TABLE attachments (
    id           TEXT COLLATE "C" PRIMARY KEY,
    ticket_id    TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id   TEXT COLLATE "C" REFERENCES messages (id) ON DELETE CASCADE,
    note_id      TEXT COLLATE "C" REFERENCES ticket_notes (id) ON DELETE CASCADE,
    uploader_id  TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    blob_key     TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK ((message_id IS NULL) <> (note_id IS NULL))
);
CREATE INDEX attachments_message_idx ON attachments (message_id, created_at, id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_note_idx ON attachments (note_id, created_at, id) WHERE note_id IS NOT NULL;
-- A page of messages or notes reads its files in one statement: those of the
-- ticket created within the page's time range (a file has its owner's time).
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at, id);
-- The quota (a sum per uploader) and an account's deletion.
CREATE INDEX attachments_uploader_idx ON attachments (uploader_id);

CREATE TABLE unowned_blobs (
    blob_key   TEXT COLLATE "C" PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX unowned_blobs_created_idx ON unowned_blobs (created_at);

ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_type_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_type_check CHECK (type IN ('created', 'status', 'priority',
    'assignee', 'tags', 'message', 'note', 'ai_reply', 'ai_reply_started', 'ai_reply_failed', 'attachment'));

-- +goose Down
DELETE FROM ticket_events WHERE type = 'attachment';
ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_type_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_type_check CHECK (type IN ('created', 'status', 'priority',
    'assignee', 'tags', 'message', 'note', 'ai_reply', 'ai_reply_started', 'ai_reply_failed'));
DROP TABLE unowned_blobs;
DROP TABLE attachments;
ALTER TABLE messages DROP COLUMN attachment_count;
