-- Login sessions and refresh tokens (issue 11). Same rules as queries.sql.

-- name: create-session
INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, client_ip)
VALUES ($1, $2, $3, $3, $4, $5);

-- name: create-refresh-token
INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3);

-- name: refresh-token-session
-- The session a refresh token belongs to, and whether the token was used.
SELECT s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, r.used_at
FROM refresh_tokens r
JOIN sessions s ON s.id = r.session_id
WHERE r.token_hash = $1;

-- name: use-refresh-token
-- Spends the token once: a second use (or a concurrent one) changes no row.
UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL;

-- name: extend-session
UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1;

-- name: revoke-session
UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;

-- name: revoke-user-sessions
-- Every live session of a user but one ($3, '' for none).
UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3;

-- name: list-user-sessions
SELECT id, user_id, created_at, last_used_at, expires_at, revoked_at, client_ip
FROM sessions
WHERE user_id = $1
ORDER BY created_at DESC, id DESC;
