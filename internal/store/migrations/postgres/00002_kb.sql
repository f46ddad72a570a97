-- Knowledge base for PostgreSQL: help-center articles and the passages they are
-- split into for full-text retrieval (see kb_queries.sql for the ranking).

-- +goose Up
CREATE TABLE kb_articles (
    id         TEXT COLLATE "C" PRIMARY KEY,
    slug       TEXT COLLATE "C" NOT NULL CONSTRAINT kb_articles_slug_unique UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT NOT NULL CHECK (json_typeof(tags::json) = 'array'), -- JSON array of strings
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Every article, most recently updated first (list-articles[-after]).
CREATE INDEX kb_articles_updated_idx ON kb_articles (updated_at DESC, id DESC);

-- Passages are derived data, rebuilt from the article whenever it is written.
-- Title and tags are copied onto every passage so that each passage's tsvector
-- carries its article's topic words at the highest weight.
CREATE TABLE kb_passages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id TEXT COLLATE "C" NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL, -- position in the article, from 0
    title      TEXT NOT NULL,
    tags       TEXT NOT NULL,    -- the article's tags, comma-separated
    heading    TEXT NOT NULL,    -- the "## " heading the text sits under, or ''
    text       TEXT NOT NULL,
    tsv        TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title || ' ' || tags), 'A') ||
        setweight(to_tsvector('english', heading), 'B') ||
        setweight(to_tsvector('english', text), 'C')
    ) STORED,
    CONSTRAINT kb_passages_article_ord_unique UNIQUE (article_id, ord) -- also serves the cascade
);

CREATE INDEX kb_passages_tsv_idx ON kb_passages USING GIN (tsv);

-- +goose Down
DROP TABLE kb_passages;
DROP TABLE kb_articles;
