-- Accounts as admins manage them (issue 11). Same rules as queries.sql.

-- name: list-users
-- $1 role or '', $2 a LIKE pattern over email and name or '', $3 'active',
-- 'deactivated' or '', $4/$5 the keyset (id, created_at) to start after, or ''.
-- Admin listings are small and rare: the optional filters are plain ORs.
SELECT id, email, email_key, password_hash, role, name, deactivated_at, token_version, deleted_at, created_at, updated_at
FROM users
WHERE ($1 = '' OR role = $1)
  AND ($2 = '' OR email_key LIKE $2 ESCAPE '\' OR lower(name) LIKE $2 ESCAPE '\')
  AND ($3 = '' OR ($3 = 'active' AND deactivated_at IS NULL) OR ($3 = 'deactivated' AND deactivated_at IS NOT NULL))
  AND ($4 = '' OR (created_at, id) < ($5, $4))
ORDER BY created_at DESC, id DESC
LIMIT $6;

-- name: update-user
UPDATE users
SET email = $2, email_key = $3, password_hash = $4, role = $5, name = $6, deactivated_at = $7,
    token_version = $8, updated_at = $9, deleted_at = $10
WHERE id = $1;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = $1;

-- name: count-active-admins
SELECT count(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL;

-- name: lock-users
-- PostgreSQL only: changes to accounts take turns (held until the transaction ends).
SELECT pg_advisory_xact_lock(7367520551);
