-- The feed (issue 12): every ticket's events in one order, read from a cursor
-- by the live streams of each instance (and, later, the webhook dispatcher).
--
-- An identity id is taken at insert, not at commit, so a reader that has seen
-- id 8 may later find a 7 committed late. Each event therefore records the id
-- of the transaction that wrote it, and the store shows only events whose
-- transaction is older than every transaction still running
-- (pg_snapshot_xmin): an event shown later always has a larger (tx, id), and
-- "after a cursor" never skips one. ticket_events_feed_idx serves that order.
--
-- Other instances' readers are woken by a NOTIFY each instance sends after its
-- commits (store.NotifyFeed, coalesced), not by a trigger: a transaction that
-- notifies takes PostgreSQL's global notify lock at commit, which would make
-- every write take turns. The readers also poll, so a lost wake-up costs latency.
--
-- AI replies publish when they start and when they fail (a completed reply is
-- its message's ai_reply event): triggers on ai_replies write those events in
-- the reply's own statement, so the hot path before the first token keeps its
-- single round trip, and the reaper's "interrupted" failures publish too.
--
-- live_tokens are the single-use tickets that open a WebSocket or an SSE
-- stream without putting a long-lived token in a URL.

-- +goose Up
ALTER TABLE ticket_events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX ticket_events_feed_idx ON ticket_events (tx, id);

ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_type_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_type_check CHECK (type IN ('created', 'status', 'priority',
    'assignee', 'tags', 'message', 'note', 'ai_reply', 'ai_reply_started', 'ai_reply_failed'));

-- +goose StatementBegin
CREATE FUNCTION ai_reply_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_events (ticket_id, actor_id, type, new_value, internal, created_at)
        VALUES (NEW.ticket_id, NEW.requested_by, 'ai_reply_started', to_json(NEW.id)::text, FALSE, NEW.created_at);
    ELSIF NEW.status = 'failed' AND OLD.status = 'streaming' THEN
        INSERT INTO ticket_events (ticket_id, actor_id, type, new_value, internal, created_at)
        VALUES (NEW.ticket_id, NULL, 'ai_reply_failed', to_json(NEW.id)::text, FALSE, coalesce(NEW.finished_at, NEW.heartbeat_at));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ai_replies_events AFTER INSERT OR UPDATE OF status ON ai_replies
    FOR EACH ROW EXECUTE FUNCTION ai_reply_events();

CREATE TABLE live_tokens (
    token_hash    TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_version INTEGER NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ
);
CREATE INDEX live_tokens_user_idx ON live_tokens (user_id);
CREATE INDEX live_tokens_expires_idx ON live_tokens (expires_at);

-- +goose Down
DROP TABLE live_tokens;
DROP TRIGGER ai_replies_events ON ai_replies;
DROP FUNCTION ai_reply_events();
DELETE FROM ticket_events WHERE type IN ('ai_reply_started', 'ai_reply_failed');
ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_type_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_type_check CHECK (type IN ('created', 'status', 'priority',
    'assignee', 'tags', 'message', 'note', 'ai_reply'));
DROP INDEX ticket_events_feed_idx;
ALTER TABLE ticket_events DROP COLUMN tx;
