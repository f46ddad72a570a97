-- The audit log (issue 11). Same rules as queries.sql.

-- name: record-audit
INSERT INTO audit_log (at, action, actor_id, target_type, target_id, client_ip, request_id, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: list-audit
-- $1 action, $2 actor id, $3 target id ('' for any), $4/$5 the time range
-- [since, until), $6 the id to start below (0: the newest). Admin listings are
-- rare: the optional filters are plain ORs, the id order an index walk.
SELECT id, at, action, actor_id, target_type, target_id, client_ip, request_id, detail
FROM audit_log
WHERE ($1 = '' OR action = $1)
  AND ($2 = '' OR actor_id = $2)
  AND ($3 = '' OR target_id = $3)
  AND at >= $4 AND at < $5
  AND ($6 = 0 OR id < $6)
ORDER BY id DESC
LIMIT $7;

-- name: delete-audit-before
-- One batch of the retention prune: up to $2 entries recorded before $1, found
-- by a range scan of audit_log_at_idx. Instances pruning at once may pick the
-- same rows; each row is deleted once, the other DELETE just counts fewer.
DELETE FROM audit_log
WHERE id IN (SELECT id FROM audit_log WHERE at < $1 LIMIT $2);
