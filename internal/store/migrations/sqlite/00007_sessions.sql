-- Login sessions and their refresh tokens (issue 11). A session is one login on
-- one device; its refresh tokens form a family: each is used once and replaced,
-- and presenting a used one again revokes the whole session (it was stolen).

-- +goose Up
CREATE TABLE sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    last_used_at TEXT NOT NULL CHECK (last_used_at GLOB '????-??-??T??:??:??.??????Z'),
    expires_at   TEXT NOT NULL CHECK (expires_at GLOB '????-??-??T??:??:??.??????Z'),
    revoked_at   TEXT CHECK (revoked_at GLOB '????-??-??T??:??:??.??????Z'),
    client_ip    TEXT NOT NULL DEFAULT ''
) STRICT;
-- A user's sessions (revoke-user-sessions, ON DELETE CASCADE).
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    used_at    TEXT CHECK (used_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE sessions;
