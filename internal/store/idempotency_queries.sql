-- Idempotency keys (issue 13; migration 00014, internal/idempotency). Same
-- rules as queries.sql. A row whose expires_at has passed is absent: a claim
-- takes it over, a lookup does not see it, and the prune deletes it.

-- name: claim-idempotency-key
-- $1 scope, $2 key, $3 claim id, $4 now, $5 the lease's end. Race-free on both
-- engines: of concurrent claims one inserts (or takes over an expired row) and
-- the others affect no row.
INSERT INTO idempotency_keys (scope, key, claim_id, state, created_at, expires_at)
VALUES ($1, $2, $3, 'in_progress', $4, $5)
ON CONFLICT (scope, key) DO UPDATE
SET claim_id = excluded.claim_id, state = 'in_progress', fingerprint = '', status = 0, content_type = '',
    location = '', etag = '', body = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at
WHERE idempotency_keys.expires_at <= excluded.created_at;

-- name: idempotency-key
SELECT state, fingerprint, status, content_type, location, etag, body, created_at, expires_at
FROM idempotency_keys
WHERE scope = $1 AND key = $2 AND expires_at > $3;

-- name: finish-idempotency-key
-- Only the claim that holds the key answers it.
UPDATE idempotency_keys
SET state = 'done', fingerprint = $4, status = $5, content_type = $6, location = $7, etag = $8, body = $9,
    expires_at = $10
WHERE scope = $1 AND key = $2 AND claim_id = $3 AND state = 'in_progress';

-- name: release-idempotency-key
DELETE FROM idempotency_keys
WHERE scope = $1 AND key = $2 AND claim_id = $3 AND state = 'in_progress';

-- name: delete-idempotency-keys-before
-- One batch of the prune: up to $2 rows expired at $1, by a range scan of
-- idempotency_keys_expires_idx. Instances pruning at once may pick the same
-- rows; each is deleted once.
DELETE FROM idempotency_keys
WHERE (scope, key) IN (SELECT scope, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2);
