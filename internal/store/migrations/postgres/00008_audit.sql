-- The audit log (issue 11): security and staff actions, newest first for admins.

-- +goose Up
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    action      TEXT NOT NULL,
    actor_id    TEXT COLLATE "C",
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    client_ip   TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}'
);
-- Filters of GET /admin/audit (newest first by id).
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, id DESC);

-- +goose Down
DROP TABLE audit_log;
