-- Single-use tickets that open a live stream (feed.go; migration 00011). The
-- feed's own statements differ by engine and are built in feed.go.

-- name: create-live-token
INSERT INTO live_tokens (token_hash, user_id, token_version, expires_at)
VALUES ($1, $2, $3, $4);

-- name: consume-live-token
UPDATE live_tokens
SET used_at = $2
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
RETURNING user_id, token_version;

-- name: delete-expired-live-tokens
DELETE FROM live_tokens
WHERE expires_at < $1;
