-- Retrieval quality (issue 15): see the PostgreSQL migration for the design.
-- The FTS5 index now covers the analysed columns, with a tokenizer that only
-- splits (the terms are already lower-cased, stemmed and folded in Go).

-- +goose Up
ALTER TABLE kb_articles ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(aliases) AND json_type(aliases) = 'array');

DROP TRIGGER kb_passages_fts_insert;
DROP TRIGGER kb_passages_fts_delete;
DROP TRIGGER kb_passages_fts_update;
DROP TABLE kb_passages_fts;
ALTER TABLE kb_passages ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_passages ADD COLUMN alias_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_passages ADD COLUMN heading_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_passages ADD COLUMN text_terms TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE kb_passages_fts USING fts5 (
    title_terms, alias_terms, heading_terms, text_terms,
    content = 'kb_passages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);

-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_insert AFTER INSERT ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (rowid, title_terms, alias_terms, heading_terms, text_terms)
    VALUES (new.id, new.title_terms, new.alias_terms, new.heading_terms, new.text_terms);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_delete AFTER DELETE ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (kb_passages_fts, rowid, title_terms, alias_terms, heading_terms, text_terms)
    VALUES ('delete', old.id, old.title_terms, old.alias_terms, old.heading_terms, old.text_terms);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER kb_passages_fts_update AFTER UPDATE ON kb_passages BEGIN
    INSERT INTO kb_passages_fts (kb_passages_fts, rowid, title_terms, alias_terms, heading_terms, text_terms)
    VALUES ('delete', old.id, old.title_terms, old.alias_terms, old.heading_terms, old.text_terms);
    INSERT INTO kb_passages_fts (rowid, title_terms, alias_terms, heading_terms, text_terms)
    VALUES (new.id, new.title_terms, new.alias_terms, new.heading_terms, new.text_terms);
END;
-- +goose StatementEnd

INSERT INTO kb_passages_fts (kb_passages_fts) VALUES ('rebuild');

-- Each indexed term and how many passages hold it (store.KBVocabulary).
CREATE VIRTUAL TABLE kb_passages_vocab USING fts5vocab (kb_passages_fts, 'row');

CREATE TABLE kb_index_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    analyzer TEXT NOT NULL,
    revision INTEGER NOT NULL
) STRICT;
INSERT INTO kb_index_state (id, analyzer, revision) VALUES (1, '', 0);

ALTER TABLE ai_replies ADD COLUMN grounding TEXT NOT NULL DEFAULT ''
    CHECK (grounding IN ('', 'grounded', 'ungrounded', 'declined'));
ALTER TABLE ai_replies ADD COLUMN question TEXT NOT NULL DEFAULT '';
ALTER TABLE ai_replies ADD COLUMN language TEXT NOT NULL DEFAULT '';
CREATE INDEX ai_replies_unanswered_idx ON ai_replies (created_at) WHERE grounding IN ('ungrounded', 'declined');

-- +goose Down
DROP INDEX ai_replies_unanswered_idx;
ALTER TABLE ai_replies DROP COLUMN grounding;
ALTER TABLE ai_replies DROP COLUMN question;
ALTER TABLE ai_replies DROP COLUMN language;
DROP TABLE kb_index_state;
DROP TABLE kb_passages_vocab;
DROP TRIGGER kb_passages_fts_insert;
DROP TRIGGER kb_passages_fts_delete;
DROP TRIGGER kb_passages_fts_update;
DROP TABLE kb_passages_fts;
ALTER TABLE kb_passages DROP COLUMN title_terms;
ALTER TABLE kb_passages DROP COLUMN alias_terms;
ALTER TABLE kb_passages DROP COLUMN heading_terms;
ALTER TABLE kb_passages DROP COLUMN text_terms;
CREATE VIRTUAL TABLE kb_passages_fts USING fts5 (
    title, tags, heading, text,
    content = 'kb_passages',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);
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
INSERT INTO kb_passages_fts (kb_passages_fts) VALUES ('rebuild');
ALTER TABLE kb_articles DROP COLUMN aliases;
