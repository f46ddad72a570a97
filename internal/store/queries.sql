-- Every statement the store runs. Each starts at a "-- name: NAME" line and
-- runs to the next one. Values are always bound as $1..$N, which both pgx and
-- modernc SQLite accept. Every WHERE/ORDER BY here has an index in migrations/.

-- name: create-user
INSERT INTO users (id, email, email_key, password_hash, role, name, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: user-by-id
SELECT id, email, email_key, password_hash, role, name, deactivated_at, token_version, deleted_at, created_at, updated_at
FROM users
WHERE id = $1;

-- name: user-by-email-key
SELECT id, email, email_key, password_hash, role, name, deactivated_at, token_version, deleted_at, created_at, updated_at
FROM users
WHERE email_key = $1;

-- name: create-ticket
INSERT INTO tickets (id, customer_id, title, description, status, created_at, updated_at, priority, assignee_id, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- A ticket's tags come as one space-separated string (tags never hold a space;
-- the store sorts them), or NULL for none; string_agg is in PostgreSQL and SQLite >= 3.44.

-- name: ticket-by-id
SELECT id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)
FROM tickets
WHERE id = $1;

-- The four list queries are the keyset-pagination variants. They are separate
-- statements, not one with "$1 = '' OR ..." switches, so that each one has a
-- plain predicate the planner can match to an index.

-- name: list-tickets
SELECT id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)
FROM tickets
ORDER BY created_at DESC, id DESC
LIMIT $1;

-- name: list-tickets-after
SELECT id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)
FROM tickets
WHERE (created_at, id) < ($1, $2)
ORDER BY created_at DESC, id DESC
LIMIT $3;

-- name: list-customer-tickets
SELECT id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)
FROM tickets
WHERE customer_id = $1
ORDER BY created_at DESC, id DESC
LIMIT $2;

-- name: list-customer-tickets-after
SELECT id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)
FROM tickets
WHERE customer_id = $1 AND (created_at, id) < ($2, $3)
ORDER BY created_at DESC, id DESC
LIMIT $4;

-- Every change to a ticket bumps its version (its ETag).
-- name: touch-ticket
UPDATE tickets
SET updated_at = $2, version = version + 1
WHERE id = $1;

-- name: create-message
INSERT INTO messages (id, ticket_id, author_id, sender, content, created_at, attachment_count)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- AI messages carry their reply's accounting; other messages join nothing.
-- name: messages-by-ticket
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations,
       r.truncated, m.attachment_count
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1
ORDER BY m.created_at, m.id;

-- The thread cap: counts a ticket's messages, but no further than $2 (the cap),
-- so the cost stays bounded on a thread stored before the cap existed. Runs after
-- touch-ticket in the same transaction: on PostgreSQL that row lock makes a
-- concurrent AddMessage wait, and then count (a new statement, a new snapshot
-- under READ COMMITTED) sees the message the other one committed.
-- name: count-messages-capped
SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE ticket_id = $1 LIMIT $2) AS capped;

-- The four thread-page queries are keyset pages over messages_ticket_created_idx,
-- one statement per variant like the ticket lists. Forward pages walk the index
-- up, backward pages walk it down (the store turns those back to oldest first).

-- name: thread-first
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations,
       r.truncated, m.attachment_count
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1
ORDER BY m.created_at, m.id
LIMIT $2;

-- name: thread-after
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations,
       r.truncated, m.attachment_count
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1 AND (m.created_at, m.id) > ($2, $3)
ORDER BY m.created_at, m.id
LIMIT $4;

-- The newest $2 messages, newest first: GET /tickets/{id}'s inline page, and
-- what a prompt builder wanting "the newest N turns" can read instead of the
-- whole thread.
-- name: thread-newest
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations,
       r.truncated, m.attachment_count
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1
ORDER BY m.created_at DESC, m.id DESC
LIMIT $2;

-- name: thread-before
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations,
       r.truncated, m.attachment_count
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1 AND (m.created_at, m.id) < ($2, $3)
ORDER BY m.created_at DESC, m.id DESC
LIMIT $4;
