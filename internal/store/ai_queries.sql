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

-- One statement per instance and interval, however many replies it is streaming.
-- name: heartbeat-instance
UPDATE ai_replies
SET heartbeat_at = $2
WHERE instance_id = $1 AND status = 'streaming';

-- name: finish-reply
UPDATE ai_replies
SET status = $2, content = $3, chunk_ends = $4, provider = $5, model = $6,
    prompt_tokens = $7, completion_tokens = $8, ttft_ms = $9, total_ms = $10,
    citations = $11, error = $12, heartbeat_at = $13, finished_at = $13
WHERE id = $1;

-- name: reply-by-id
SELECT id, ticket_id, requested_by, status, content, chunk_ends, provider, model, prompt_tokens,
       completion_tokens, ttft_ms, total_ms, citations, error, created_at, heartbeat_at, finished_at
FROM ai_replies
WHERE id = $1;

-- name: latest-reply
SELECT id, ticket_id, requested_by, status, content, chunk_ends, provider, model, prompt_tokens,
       completion_tokens, ttft_ms, total_ms, citations, error, created_at, heartbeat_at, finished_at
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
