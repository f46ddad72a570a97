-- Initial schema for SQLite.
-- STRICT tables reject values of the wrong type. Times are TEXT in the store's
-- fixed-width UTC format (2006-01-02T15:04:05.000000Z), so they sort as text, and
-- the GLOB checks refuse any other format (e.g. CURRENT_TIMESTAMP's), which
-- would silently break that order.

-- +goose Up
CREATE TABLE users (
    id            TEXT NOT NULL PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    created_at    TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    updated_at    TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;

CREATE TABLE tickets (
    id          TEXT NOT NULL PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    updated_at  TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;

-- A customer's tickets, newest first (list-customer-tickets[-after]); also
-- serves the ON DELETE CASCADE from users.
CREATE INDEX tickets_customer_created_idx ON tickets (customer_id, created_at DESC, id DESC);
-- Everyone's tickets, newest first (list-tickets[-after]).
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC);

CREATE TABLE messages (
    id         TEXT NOT NULL PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    sender     TEXT NOT NULL CHECK (sender IN ('user', 'agent', 'ai')),
    content    TEXT NOT NULL,
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;

-- A ticket's thread, oldest first (messages-by-ticket); also serves the cascade.
CREATE INDEX messages_ticket_created_idx ON messages (ticket_id, created_at, id);
-- Lets deleting a user find its messages for ON DELETE SET NULL without a full scan.
CREATE INDEX messages_author_idx ON messages (author_id);

-- +goose Down
DROP TABLE messages;
DROP TABLE tickets;
DROP TABLE users;
