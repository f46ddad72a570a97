-- AI reply caps (see the PostgreSQL migration).

-- +goose Up
ALTER TABLE ai_replies ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1));
CREATE INDEX ai_replies_created_idx ON ai_replies (created_at);

-- +goose Down
DROP INDEX ai_replies_created_idx;
ALTER TABLE ai_replies DROP COLUMN truncated;
