-- Attachments (issue 13; migration 00015). Same rules as queries.sql.

-- name: create-attachment
INSERT INTO attachments (id, ticket_id, message_id, note_id, uploader_id, name, size, sha256, content_type, blob_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: attachment-by-id
SELECT id, ticket_id, message_id, note_id, uploader_id, name, size, sha256, content_type, blob_key, created_at
FROM attachments
WHERE id = $1;

-- name: attachments-of-ticket-between
-- attachments_ticket_idx: the files of a page of messages or notes, which
-- carry their owner's created_at.
SELECT id, ticket_id, message_id, note_id, uploader_id, name, size, sha256, content_type, blob_key, created_at
FROM attachments
WHERE ticket_id = $1 AND created_at >= $2 AND created_at <= $3
ORDER BY created_at, id;

-- name: stored-bytes
-- The quota: what a user has stored (attachments_uploader_idx).
SELECT coalesce(sum(size), 0) FROM attachments WHERE uploader_id = $1;

-- name: lock-uploader
-- PostgreSQL only, in the transaction that stores a message's files: a user's
-- concurrent uploads check the quota in turn (SQLite's writers take turns anyway).
SELECT id FROM users WHERE id = $1 FOR UPDATE;

-- name: mark-blob-unowned
INSERT INTO unowned_blobs (blob_key, created_at) VALUES ($1, $2)
ON CONFLICT (blob_key) DO NOTHING;

-- name: forget-unowned-blob
DELETE FROM unowned_blobs WHERE blob_key = $1;

-- name: unowned-blobs-before
-- The sweeper's work: keys listed before the grace began, oldest first.
SELECT blob_key FROM unowned_blobs WHERE created_at < $1 ORDER BY created_at LIMIT $2;

-- name: disown-user-files
-- An account's deletion: its files' keys go to the sweeper, in the transaction
-- that deletes their rows (a zero time: due at once).
INSERT INTO unowned_blobs (blob_key, created_at)
SELECT blob_key, $2 FROM attachments WHERE uploader_id = $1
ON CONFLICT (blob_key) DO NOTHING;

-- name: delete-user-attachments
DELETE FROM attachments WHERE uploader_id = $1;
