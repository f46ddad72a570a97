-- Every statement the store runs. Each starts at a "-- name: NAME" line and
-- runs to the next one. Values are always bound as $1..$N, which both pgx and
-- modernc SQLite accept. Every WHERE/ORDER BY here has an index in migrations/.

-- name: create-user
INSERT INTO users (id, email, email_key, password_hash, role, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: user-by-id
SELECT id, email, email_key, password_hash, role, created_at, updated_at
FROM users
WHERE id = $1;

-- name: user-by-email-key
SELECT id, email, email_key, password_hash, role, created_at, updated_at
FROM users
WHERE email_key = $1;

-- name: create-ticket
INSERT INTO tickets (id, customer_id, title, description, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: ticket-by-id
SELECT id, customer_id, title, description, status, created_at, updated_at
FROM tickets
WHERE id = $1;

-- The four list queries are the keyset-pagination variants. They are separate
-- statements, not one with "$1 = '' OR ..." switches, so that each one has a
-- plain predicate the planner can match to an index.

-- name: list-tickets
SELECT id, customer_id, title, description, status, created_at, updated_at
FROM tickets
ORDER BY created_at DESC, id DESC
LIMIT $1;

-- name: list-tickets-after
SELECT id, customer_id, title, description, status, created_at, updated_at
FROM tickets
WHERE (created_at, id) < ($1, $2)
ORDER BY created_at DESC, id DESC
LIMIT $3;

-- name: list-customer-tickets
SELECT id, customer_id, title, description, status, created_at, updated_at
FROM tickets
WHERE customer_id = $1
ORDER BY created_at DESC, id DESC
LIMIT $2;

-- name: list-customer-tickets-after
SELECT id, customer_id, title, description, status, created_at, updated_at
FROM tickets
WHERE customer_id = $1 AND (created_at, id) < ($2, $3)
ORDER BY created_at DESC, id DESC
LIMIT $4;

-- name: touch-ticket
UPDATE tickets
SET updated_at = $2
WHERE id = $1;

-- name: create-message
INSERT INTO messages (id, ticket_id, author_id, sender, content, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- AI messages carry their reply's accounting; other messages join nothing.
-- name: messages-by-ticket
SELECT m.id, m.ticket_id, m.author_id, m.sender, m.content, m.created_at,
       r.provider, r.model, r.prompt_tokens, r.completion_tokens, r.ttft_ms, r.total_ms, r.citations
FROM messages m
LEFT JOIN ai_replies r ON r.id = m.id
WHERE m.ticket_id = $1
ORDER BY m.created_at, m.id;
