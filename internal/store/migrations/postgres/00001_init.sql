-- Initial schema for PostgreSQL.
-- Ids use COLLATE "C" (byte order) so ties in (created_at, id) order the same way
-- here as in SQLite, and the btree compares bytes instead of locale rules.

-- +goose Up
CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL CONSTRAINT users_email_key_unique UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE tickets (
    id          TEXT COLLATE "C" PRIMARY KEY,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- A customer's tickets, newest first (list-customer-tickets[-after]); also
-- serves the ON DELETE CASCADE from users.
CREATE INDEX tickets_customer_created_idx ON tickets (customer_id, created_at DESC, id DESC);
-- Everyone's tickets, newest first (list-tickets[-after]).
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC);

CREATE TABLE messages (
    id         TEXT COLLATE "C" PRIMARY KEY,
    ticket_id  TEXT COLLATE "C" NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    sender     TEXT NOT NULL CHECK (sender IN ('user', 'agent', 'ai')),
    content    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A ticket's thread, oldest first (messages-by-ticket); also serves the cascade.
CREATE INDEX messages_ticket_created_idx ON messages (ticket_id, created_at, id);
-- Lets deleting a user find its messages for ON DELETE SET NULL without a full scan.
CREATE INDEX messages_author_idx ON messages (author_id);

-- +goose Down
DROP TABLE messages;
DROP TABLE tickets;
DROP TABLE users;
