-- People and roles (issue 11): display names, deactivated accounts, and a token
-- version whose increase refuses every access token issued before it (a password
-- change, a deactivation, a logout, an admin ending a user's sessions), and
-- deleted accounts.

-- +goose Up
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deactivated_at TEXT
    CHECK (deactivated_at IS NULL OR deactivated_at GLOB '????-??-??T??:??:??.??????Z');
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
-- A deleted account stays as an anonymised row, so its tickets stay readable to staff.
ALTER TABLE users ADD COLUMN deleted_at TEXT
    CHECK (deleted_at IS NULL OR deleted_at GLOB '????-??-??T??:??:??.??????Z');
-- Admins' listing of users, newest first, all or by role (list-users).
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);
CREATE INDEX users_role_created_idx ON users (role, created_at DESC, id DESC);

-- +goose Down
DROP INDEX users_role_created_idx;
DROP INDEX users_created_idx;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN token_version;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN name;
