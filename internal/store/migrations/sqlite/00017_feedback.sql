-- Ratings of AI messages: see the PostgreSQL migration.

-- +goose Up
CREATE TABLE ai_feedback (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment    TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    created_at TEXT NOT NULL CHECK (created_at GLOB '????-??-??T??:??:??.??????Z'),
    updated_at TEXT NOT NULL CHECK (updated_at GLOB '????-??-??T??:??:??.??????Z'),
    PRIMARY KEY (message_id, user_id)
) STRICT;
CREATE INDEX ai_feedback_unhelpful_idx ON ai_feedback (updated_at) WHERE NOT helpful;
CREATE INDEX ai_feedback_user_idx ON ai_feedback (user_id);

-- +goose Down
DROP TABLE ai_feedback;
