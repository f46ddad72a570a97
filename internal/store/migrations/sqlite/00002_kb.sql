-- Knowledge base for SQLite: help-center articles, the passages they are split
-- into, and an FTS5 index over the passages (see kb_queries.sql for the ranking).

-- +goose Up
CREATE TABLE kb_articles (
    id         TEXT NOT NULL PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'), -- JSON array of strings
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    updated_at TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.??????Z')
) STRICT;

-- Every article, most recently updated first (list-articles[-after]).
CREATE INDEX kb_articles_updated_idx ON kb_articles (updated_at DESC, id DESC);

-- Passages are derived data, rebuilt from the article whenever it is written.
-- Title and tags are copied onto every passage so that each passage's index
-- entry carries its article's topic words. id is an INTEGER PRIMARY KEY (an
-- alias of the rowid) because the FTS index refers to rows by rowid, and only
-- such a rowid is guaranteed to survive VACUUM.
CREATE TABLE kb_passages (
    id         INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL, -- position in the article, from 0
    title      TEXT NOT NULL,
    tags       TEXT NOT NULL,    -- the article's tags, comma-separated
    heading    TEXT NOT NULL,    -- the "## " heading the text sits under, or ''
    text       TEXT NOT NULL,
    UNIQUE (article_id, ord)     -- also serves the cascade
) STRICT;

-- An external-content index: it stores only the index, reading the text from
-- kb_passages. Porter stemming matches "refunds" to "refund", like PostgreSQL's
-- english configuration.
CREATE VIRTUAL TABLE kb_passages_fts USING fts5 (
    title, tags, heading, text,
    content = 'kb_passages',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);

-- The triggers keep the index in step with kb_passages inside the writing
-- transaction, including deletes cascaded from kb_articles.
-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_insert AFTER INSERT ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (rowid, title, tags, heading, text)
    VALUES (new.id, new.title, new.tags, new.heading, new.text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_delete AFTER DELETE ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (kb_passages_fts, rowid, title, tags, heading, text)
    VALUES ('delete', old.id, old.title, old.tags, old.heading, old.text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_update AFTER UPDATE ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (kb_passages_fts, rowid, title, tags, heading, text)
    VALUES ('delete', old.id, old.title, old.tags, old.heading, old.text);
    INSERT INTO kb_passages_fts (rowid, title, tags, heading, text)
    VALUES (new.id, new.title, new.tags, new.heading, new.text);
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE kb_passages_fts;
DROP TABLE kb_passages;
DROP TABLE kb_articles;
