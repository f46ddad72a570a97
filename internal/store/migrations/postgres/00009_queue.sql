-- The agent queue (issue 11): indexes for its filters and orders, the priority
-- order as a column, and full text over a ticket's title, description and
-- messages (never its notes).
--
-- priority_rank orders priorities (low 1 .. urgent 4; support.Priority.Rank
-- holds the same mapping). search is the ticket's whole text as one tsvector:
-- set from title and description when the ticket is inserted, extended by each
-- message inserted (triggers below, so every writer, the bench seed's COPY
-- included, keeps it). One column, one GIN index: a filtered, ordered query can
-- either walk an order index and test search, or read the GIN index and sort,
-- whichever the planner finds cheaper. Titles and descriptions are never
-- updated; a change that updates them must rebuild search.

-- +goose Up
ALTER TABLE tickets ADD COLUMN priority_rank SMALLINT NOT NULL GENERATED ALWAYS AS (
    CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END) STORED;
ALTER TABLE tickets ADD COLUMN search TSVECTOR;

-- +goose StatementBegin
CREATE FUNCTION tickets_search_init() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := to_tsvector('english', NEW.title || ' ' || NEW.description);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER tickets_search_init BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_search_init();

-- +goose StatementBegin
CREATE FUNCTION messages_search_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets SET search = coalesce(search, ''::tsvector) || to_tsvector('english', NEW.content)
    WHERE id = NEW.ticket_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER messages_search_add AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_add();

UPDATE tickets SET search = to_tsvector('english', title || ' ' || description) || coalesce(
    (SELECT to_tsvector('english', string_agg(content, ' ' ORDER BY created_at, id)) FROM messages WHERE ticket_id = tickets.id),
    ''::tsvector);

CREATE INDEX tickets_search_idx ON tickets USING gin (search);

-- Orders, alone and after an equality on status (the queue's usual filter).
-- A list of statuses is served by the order index with status as a filter.
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);
CREATE INDEX tickets_priority_idx ON tickets (priority_rank DESC, created_at DESC, id DESC);
CREATE INDEX tickets_status_created_idx ON tickets (status, created_at DESC, id DESC);
CREATE INDEX tickets_status_updated_idx ON tickets (status, updated_at DESC, id DESC);
CREATE INDEX tickets_status_priority_idx ON tickets (status, priority_rank DESC, created_at DESC, id DESC);
-- An assignee's tickets in either time order; their prefix also serves the
-- ON DELETE SET NULL that tickets_assignee_idx served.
CREATE INDEX tickets_assignee_created_idx ON tickets (assignee_id, created_at DESC, id DESC);
CREATE INDEX tickets_assignee_updated_idx ON tickets (assignee_id, updated_at DESC, id DESC);
DROP INDEX tickets_assignee_idx;
-- A customer's tickets by update (by creation: tickets_customer_created_idx).
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
DROP INDEX tickets_search_idx;
DROP TRIGGER messages_search_add ON messages;
DROP FUNCTION messages_search_add();
DROP TRIGGER tickets_search_init ON tickets;
DROP FUNCTION tickets_search_init();
ALTER TABLE tickets DROP COLUMN search;
ALTER TABLE tickets DROP COLUMN priority_rank;
