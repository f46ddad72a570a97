-- Audit retention (AUDIT_RETENTION): the hourly prune deletes entries older than
-- a cutoff in batches (delete-audit-before), a range scan of this index. The
-- notes' pages (notes-first, notes-after) already have ticket_notes_ticket_idx
-- (ticket_id, created_at, id) from 00006.

-- +goose Up
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_at_idx;
