-- The agent queue (issue 11): see the PostgreSQL migration for the indexes.
--
-- Full text is an FTS5 table holding one row per text of a ticket (its title
-- and description, and each message; never a note), written by triggers in
-- the writer's transaction. It stores its own copy of the text: an
-- external-content table would point at tickets' and messages' rowids, which
-- a VACUUM may renumber (their keys are TEXT, not INTEGER PRIMARY KEY). The
-- porter tokenizer stems English words, as PostgreSQL's 'english' does.

-- +goose Up
ALTER TABLE tickets ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS (
    CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END) VIRTUAL;

CREATE VIRTUAL TABLE ticket_search USING fts5 (ticket_id UNINDEXED, body, tokenize = 'porter unicode61');

-- +goose StatementBegin
CREATE TRIGGER tickets_search_init AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (ticket_id, body) VALUES (NEW.id, NEW.title || ' ' || NEW.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER messages_search_add AFTER INSERT ON messages BEGIN
    INSERT INTO ticket_search (ticket_id, body) VALUES (NEW.ticket_id, NEW.content);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tickets_search_drop AFTER DELETE ON tickets BEGIN
    DELETE FROM ticket_search WHERE ticket_id = OLD.id;
END;
-- +goose StatementEnd

INSERT INTO ticket_search (ticket_id, body) SELECT id, title || ' ' || description FROM tickets;
INSERT INTO ticket_search (ticket_id, body) SELECT ticket_id, content FROM messages;

CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);
CREATE INDEX tickets_priority_idx ON tickets (priority_rank DESC, created_at DESC, id DESC);
CREATE INDEX tickets_status_created_idx ON tickets (status, created_at DESC, id DESC);
CREATE INDEX tickets_status_updated_idx ON tickets (status, updated_at DESC, id DESC);
CREATE INDEX tickets_status_priority_idx ON tickets (status, priority_rank DESC, created_at DESC, id DESC);
CREATE INDEX tickets_assignee_created_idx ON tickets (assignee_id, created_at DESC, id DESC);
CREATE INDEX tickets_assignee_updated_idx ON tickets (assignee_id, updated_at DESC, id DESC);
DROP INDEX tickets_assignee_idx;
CREATE INDEX tickets_customer_updated_idx ON tickets (customer_id, updated_at DESC, id DESC);

-- +goose Down
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);
DROP INDEX tickets_customer_updated_idx;
DROP INDEX tickets_assignee_updated_idx;
DROP INDEX tickets_assignee_created_idx;
DROP INDEX tickets_status_priority_idx;
DROP INDEX tickets_status_updated_idx;
DROP INDEX tickets_status_created_idx;
DROP INDEX tickets_priority_idx;
DROP INDEX tickets_updated_idx;
DROP TRIGGER tickets_search_drop;
DROP TRIGGER messages_search_add;
DROP TRIGGER tickets_search_init;
DROP TABLE ticket_search;
ALTER TABLE tickets DROP COLUMN priority_rank;
