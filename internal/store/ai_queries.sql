-- AI replies and stream tokens. Same conventions as queries.sql.

-- name: start-reply
INSERT INTO ai_replies (id, instance_id, ticket_id, requested_by, status, created_at, heartbeat_at)
VALUES ($1, $2, $3, $4, 'streaming', $5, $5);

-- PostgreSQL variant of start-reply: the same row, committed without waiting for
-- the WAL flush (set_config(..., true) lasts until this statement's own commit).
-- The row only marks a reply as in progress; if a crash loses it, nothing refers
-- to it yet. This takes a disk flush off the path to the first token.
-- name: start-reply-async-commit
WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO ai_replies (id, instance_id, ticket_id, requested_by, status, created_at, heartbeat_at)
SELECT $1, $2, $3, $4, 'streaming', $5, $5
FROM relaxed;

-- start-reply, only while the quota allows: the user has made fewer than $7
-- replies since $6 and everyone fewer than $8 (0: no limit). The global count
-- stops at $8 rows, so it stays cheap whatever the traffic. On SQLite it runs in
-- a BEGIN IMMEDIATE transaction (one writer at a time); on PostgreSQL after
-- lock-reply-quota in the same implicit transaction (ai.go, StartReply).
-- name: start-reply-within-quota
INSERT INTO ai_replies (id, instance_id, ticket_id, requested_by, status, created_at, heartbeat_at)
SELECT $1, $2, $3, $4, 'streaming', $5, $5
WHERE ($7 = 0 OR (SELECT COUNT(*) FROM ai_replies WHERE requested_by = $4 AND created_at >= $6) < $7)
  AND ($8 = 0 OR (SELECT COUNT(*) FROM (SELECT 1 FROM ai_replies WHERE created_at >= $6 LIMIT $8) AS recent) < $8);

-- Serialises quota checks until the end of the transaction: those of one user
-- ($1 is the user id), or of everyone ($1 = '*') when there is a global budget.
-- The statement after it gets a fresh snapshot (READ COMMITTED), so it counts the
-- replies of whoever held the lock before. Commits without waiting for the WAL
-- flush, as start-reply-async-commit does.
-- name: lock-reply-quota
SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(1095303169, hashtext($1));

-- Everyone's replies since $1, counted up to $2, and the oldest one's time.
-- name: count-all-replies-since
SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM ai_replies WHERE created_at >= $1 LIMIT $2) AS recent),
       (SELECT MIN(created_at) FROM ai_replies WHERE created_at >= $1);

-- The newest $2 messages of a ticket, oldest first, for the prompt: a long
-- thread is never read whole. Without the AI accounting, which prompts do not use.
-- The files' names come joined by "/", which no stored name holds
-- (attachment.SafeName), and only for messages that carry some.
-- name: thread-tail
SELECT id, ticket_id, author_id, sender, content, created_at,
       CASE WHEN attachment_count > 0 THEN (
           SELECT string_agg(a.name, '/' ORDER BY a.created_at, a.id) FROM attachments a WHERE a.message_id = tail.id
       ) END
FROM (
    SELECT id, ticket_id, author_id, sender, content, created_at, attachment_count
    FROM messages
    WHERE ticket_id = $1
    ORDER BY created_at DESC, id DESC
    LIMIT $2
) AS tail
ORDER BY created_at, id;

-- One statement per instance and interval, however many replies it is streaming.
-- name: heartbeat-instance
UPDATE ai_replies
SET heartbeat_at = $2
WHERE instance_id = $1 AND status = 'streaming';

-- $15 grounding is '' for a failed reply (support.conclude clears it).
-- name: finish-reply
UPDATE ai_replies
SET status = $2, content = $3, chunk_ends = $4, provider = $5, model = $6,
    prompt_tokens = $7, completion_tokens = $8, ttft_ms = $9, total_ms = $10,
    citations = $11, error = $12, heartbeat_at = $13, finished_at = $13, truncated = $14,
    grounding = $15, question = $16, language = $17
WHERE id = $1;

-- name: reply-by-id
SELECT id, ticket_id, requested_by, status, content, chunk_ends, provider, model, prompt_tokens,
       completion_tokens, ttft_ms, total_ms, citations, error, created_at, heartbeat_at, finished_at, truncated,
       grounding, question, language
FROM ai_replies
WHERE id = $1;

-- name: latest-reply
SELECT id, ticket_id, requested_by, status, content, chunk_ends, provider, model, prompt_tokens,
       completion_tokens, ttft_ms, total_ms, citations, error, created_at, heartbeat_at, finished_at, truncated,
       grounding, question, language
FROM ai_replies
WHERE ticket_id = $1
ORDER BY created_at DESC, id DESC
LIMIT 1;

-- name: fail-stale-replies
UPDATE ai_replies
SET status = 'failed', error = 'interrupted: the server generating this reply stopped', finished_at = $2
WHERE status = 'streaming' AND heartbeat_at < $1;

-- name: count-replies-since
SELECT COUNT(*), MIN(created_at)
FROM ai_replies
WHERE requested_by = $1 AND created_at >= $2;

-- name: create-stream-token
INSERT INTO stream_tokens (token_hash, user_id, ticket_id, expires_at)
VALUES ($1, $2, $3, $4);

-- name: consume-stream-token
UPDATE stream_tokens
SET used_at = $2
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
RETURNING user_id, ticket_id;

-- name: delete-expired-stream-tokens
DELETE FROM stream_tokens
WHERE expires_at < $1;
