-- Retrieval quality (issue 15). Passages are now indexed from text that Go has
-- already analysed (internal/textsearch: language-aware stop words, Snowball
-- stems, synonyms), so both engines match words the same way in every
-- language; the database keeps doing the indexing and the BM25 ranking, with
-- the 'simple' configuration that only splits and lower-cases.
-- kb_index_state records which analyzer built the index: when it changes,
-- supportd re-indexes every article at start-up (store.ReindexKB).

-- +goose Up
ALTER TABLE kb_articles ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]'
    CHECK (json_typeof(aliases::json) = 'array'); -- JSON array of customer phrasings

ALTER TABLE kb_passages DROP COLUMN tsv; -- drops kb_passages_tsv_idx with it
ALTER TABLE kb_passages
    ADD COLUMN title_terms   TEXT NOT NULL DEFAULT '', -- title and tags, analysed
    ADD COLUMN alias_terms   TEXT NOT NULL DEFAULT '', -- aliases, each in its own language
    ADD COLUMN heading_terms TEXT NOT NULL DEFAULT '',
    ADD COLUMN text_terms    TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_passages ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title_terms || ' ' || alias_terms), 'A') ||
    setweight(to_tsvector('simple', heading_terms), 'B') ||
    setweight(to_tsvector('simple', text_terms), 'C')
) STORED;
CREATE INDEX kb_passages_tsv_idx ON kb_passages USING GIN (tsv);

CREATE TABLE kb_index_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    analyzer TEXT NOT NULL,   -- version of the analysis the passages were indexed with
    revision BIGINT NOT NULL  -- bumped by every article write: instances refresh their caches
);
INSERT INTO kb_index_state (id, analyzer, revision) VALUES (1, '', 0);

-- How each AI reply stood on the knowledge base: 'grounded' (it cites an
-- article), 'ungrounded' (passages were given, it cites none), 'declined'
-- (nothing covered the question: a person will answer). '' for replies written
-- before this migration. The question and its language are kept with it so
-- that staff can list what the assistant could not answer.
ALTER TABLE ai_replies
    ADD COLUMN grounding TEXT NOT NULL DEFAULT ''
        CHECK (grounding IN ('', 'grounded', 'ungrounded', 'declined')),
    ADD COLUMN question  TEXT NOT NULL DEFAULT '',
    ADD COLUMN language  TEXT NOT NULL DEFAULT '';
CREATE INDEX ai_replies_unanswered_idx ON ai_replies (created_at) WHERE grounding IN ('ungrounded', 'declined');

-- +goose Down
DROP INDEX ai_replies_unanswered_idx;
ALTER TABLE ai_replies DROP COLUMN grounding, DROP COLUMN question, DROP COLUMN language;
DROP TABLE kb_index_state;
ALTER TABLE kb_passages DROP COLUMN tsv;
ALTER TABLE kb_passages DROP COLUMN title_terms, DROP COLUMN alias_terms, DROP COLUMN heading_terms, DROP COLUMN text_terms;
ALTER TABLE kb_passages ADD COLUMN tsv TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title || ' ' || tags), 'A') ||
    setweight(to_tsvector('english', heading), 'B') ||
    setweight(to_tsvector('english', text), 'C')
) STORED;
CREATE INDEX kb_passages_tsv_idx ON kb_passages USING GIN (tsv);
ALTER TABLE kb_articles DROP COLUMN aliases;
