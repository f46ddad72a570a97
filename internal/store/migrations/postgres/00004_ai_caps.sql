-- AI reply caps (issue 9): a reply cut off at AI_MAX_REPLY_BYTES says so, and the
-- global hourly budget counts every reply of the last hour.

-- +goose Up
ALTER TABLE ai_replies ADD COLUMN truncated BOOLEAN NOT NULL DEFAULT false;
-- Everyone's replies in the last hour (the AI_REPLIES_PER_HOUR_GLOBAL budget).
CREATE INDEX ai_replies_created_idx ON ai_replies (created_at);

-- +goose Down
DROP INDEX ai_replies_created_idx;
ALTER TABLE ai_replies DROP COLUMN truncated;
