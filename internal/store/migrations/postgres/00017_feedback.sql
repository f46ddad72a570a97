-- Ratings of AI messages (issue: feedback). One rating per user and message:
-- rating again replaces it. Staff list the recent "not helpful" ratings, with
-- the declined and ungrounded replies, to see which articles to write
-- (store.UnansweredQuestions).

-- +goose Up
CREATE TABLE ai_feedback (
    message_id TEXT COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    helpful    BOOLEAN NOT NULL,
    comment    TEXT NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
-- Recent "not helpful" ratings (unanswered-questions).
CREATE INDEX ai_feedback_unhelpful_idx ON ai_feedback (updated_at) WHERE NOT helpful;
-- Serves the ON DELETE CASCADE from users.
CREATE INDEX ai_feedback_user_idx ON ai_feedback (user_id);

-- +goose Down
DROP TABLE ai_feedback;
