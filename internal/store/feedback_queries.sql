-- Ratings of AI messages and the questions the assistant could not answer.
-- Same conventions as queries.sql. An AI message has the id of its reply in
-- ai_replies (FinishReply stores both), which holds the question it answered.

-- A message's sender and ticket, for the rating rules.
-- name: feedback-target
SELECT m.id, m.sender, m.ticket_id, t.customer_id
FROM messages m
JOIN tickets t ON t.id = m.ticket_id
WHERE m.id = $1;

-- Inserts a rating or replaces the user's earlier one, keeping its first time.
-- name: save-feedback
INSERT INTO ai_feedback (message_id, user_id, helpful, comment, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (message_id, user_id) DO UPDATE
SET helpful = excluded.helpful, comment = excluded.comment, updated_at = excluded.updated_at
RETURNING created_at;

-- name: delete-feedback
DELETE FROM ai_feedback
WHERE message_id = $1 AND user_id = $2;

-- The newest $2 occurrences since $1: declined and ungrounded replies (by
-- ai_replies_unanswered_idx, whose predicate this repeats) and "not helpful"
-- ratings (by ai_feedback_unhelpful_idx). Each branch stops at $2 rows.
-- name: unanswered-questions
SELECT ticket_id, message_id, question, language, reason, comment, created_at
FROM (
    SELECT * FROM (
        SELECT r.ticket_id, r.id AS message_id, r.question, r.language, r.grounding AS reason,
               '' AS comment, r.created_at
        FROM ai_replies r
        WHERE r.grounding IN ('ungrounded', 'declined') AND r.created_at >= $1
        ORDER BY r.created_at DESC
        LIMIT $2
    ) AS replies
    UNION ALL
    SELECT * FROM (
        SELECT m.ticket_id, f.message_id, COALESCE(r.question, '') AS question, COALESCE(r.language, '') AS language,
               'unhelpful' AS reason, f.comment, f.updated_at AS created_at
        FROM ai_feedback f
        JOIN messages m ON m.id = f.message_id
        LEFT JOIN ai_replies r ON r.id = f.message_id
        WHERE NOT f.helpful AND f.updated_at >= $1
        ORDER BY f.updated_at DESC
        LIMIT $2
    ) AS ratings
) AS occurrences
ORDER BY created_at DESC, message_id
LIMIT $2;
