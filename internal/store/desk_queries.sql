-- The ticket workflow, internal notes and the event log (issue 11). Same
-- conventions as queries.sql.

-- The optimistic-concurrency write: it applies only while the ticket is still
-- at the version the change was decided on ($2), so the check and the update
-- are one atomic statement.
-- name: update-ticket
UPDATE tickets
SET status = $3, priority = $4, assignee_id = $5, updated_at = $6, version = version + 1
WHERE id = $1 AND version = $2
RETURNING version;

-- touch-ticket for a message whose effect on the status was decided on status
-- $3: it applies only while the ticket still has it, and sets $4 (a reopen, or
-- $3 again). Its row lock orders concurrent messages on PostgreSQL, as
-- touch-ticket's does.
-- name: touch-ticket-status
UPDATE tickets
SET updated_at = $2, version = version + 1, status = $4
WHERE id = $1 AND status = $3;

-- name: delete-ticket-tags
DELETE FROM ticket_tags
WHERE ticket_id = $1;

-- name: add-ticket-tag
INSERT INTO ticket_tags (ticket_id, tag)
VALUES ($1, $2);

-- name: ticket-tag-list
SELECT tag
FROM ticket_tags
WHERE ticket_id = $1
ORDER BY tag;

-- name: add-ticket-event
INSERT INTO ticket_events (ticket_id, actor_id, type, old_value, new_value, internal, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- A ticket's history after an event id, oldest first: a range scan of
-- ticket_events_ticket_idx. The -public variant leaves out internal events.
-- name: events-after
SELECT id, ticket_id, actor_id, type, old_value, new_value, internal, created_at
FROM ticket_events
WHERE ticket_id = $1 AND id > $2
ORDER BY id
LIMIT $3;

-- name: events-after-public
SELECT id, ticket_id, actor_id, type, old_value, new_value, internal, created_at
FROM ticket_events
WHERE ticket_id = $1 AND id > $2 AND internal = FALSE
ORDER BY id
LIMIT $3;

-- name: create-note
INSERT INTO ticket_notes (id, ticket_id, author_id, content, created_at)
VALUES ($1, $2, $3, $4, $5);

-- A ticket's notes, oldest first: keyset pages over ticket_notes_ticket_idx,
-- like the thread's. The cursor is a note id: note-key reads its position,
-- so a note of another ticket (or none) is an error, not an empty page.
-- name: notes-first
SELECT id, ticket_id, author_id, content, created_at
FROM ticket_notes
WHERE ticket_id = $1
ORDER BY created_at, id
LIMIT $2;

-- name: notes-after
SELECT id, ticket_id, author_id, content, created_at
FROM ticket_notes
WHERE ticket_id = $1 AND (created_at, id) > ($2, $3)
ORDER BY created_at, id
LIMIT $4;

-- name: note-key
SELECT created_at
FROM ticket_notes
WHERE id = $1 AND ticket_id = $2;
