package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/supportd/supportd/internal/support"
)

var _ support.FeedbackStore = (*DB)(nil)

// feedbackQueries holds the statements of feedback_queries.sql.
type feedbackQueries struct {
	feedbackTarget, saveFeedback, deleteFeedback, unansweredQuestions string
}

func (q *feedbackQueries) targets() map[string]*string {
	return map[string]*string{
		"feedback-target":      &q.feedbackTarget,
		"save-feedback":        &q.saveFeedback,
		"delete-feedback":      &q.deleteFeedback,
		"unanswered-questions": &q.unansweredQuestions,
	}
}

// FeedbackTarget returns a message's sender and ticket, or support.ErrNotFound.
func (db *DB) FeedbackTarget(ctx context.Context, messageID string) (*support.FeedbackTarget, error) {
	var t support.FeedbackTarget
	err := db.sql.QueryRowContext(ctx, db.bq.feedbackTarget, messageID).
		Scan(&t.MessageID, &t.Sender, &t.TicketID, &t.CustomerID)
	if err != nil {
		return nil, db.translate("feedback target", err)
	}
	return &t, nil
}

// SaveFeedback inserts f or replaces the user's rating of f.MessageID: f.UpdatedAt
// (now when zero) becomes both times of a new rating and the new UpdatedAt of an
// old one, whose CreatedAt is read back into f. A missing message or user gives
// support.ErrNotFound.
func (db *DB) SaveFeedback(ctx context.Context, f *support.Feedback) error {
	f.UpdatedAt = normTime(orTime(f.UpdatedAt, db.now()))
	err := db.sql.QueryRowContext(ctx, db.bq.saveFeedback, f.MessageID, f.UserID, f.Helpful, f.Comment,
		timestamp(f.UpdatedAt)).Scan((*timestamp)(&f.CreatedAt))
	if isForeignKeyViolation(err) { // the message or the user was deleted meanwhile
		return fmt.Errorf("store: save feedback: %w", support.ErrNotFound)
	}
	return db.translate("save feedback", err)
}

// DeleteFeedback removes a user's rating of a message, or gives support.ErrNotFound.
func (db *DB) DeleteFeedback(ctx context.Context, messageID, userID string) error {
	res, err := db.sql.ExecContext(ctx, db.bq.deleteFeedback, messageID, userID)
	return db.translate("delete feedback", mustAffect(res, err, "feedback on message", messageID))
}

// UnansweredQuestions returns up to limit occurrences at or after since, newest
// first: replies whose grounding is declined or ungrounded, and "not helpful"
// ratings (at the time of their last change, with their comment).
func (db *DB) UnansweredQuestions(ctx context.Context, since time.Time, limit int) ([]support.UnansweredItem, error) {
	items, err := queryAll(ctx, db.sql, db.bq.unansweredQuestions, scanUnanswered, timestamp(since), limit)
	return items, db.translate("unanswered questions", err)
}

func scanUnanswered(row rowScanner) (support.UnansweredItem, error) {
	var it support.UnansweredItem
	err := row.Scan(&it.TicketID, &it.MessageID, &it.Question, &it.Language, &it.Reason, &it.Comment,
		(*timestamp)(&it.CreatedAt))
	return it, err
}

// isForeignKeyViolation reports whether err is a write naming a row that does
// not exist (or no longer does).
func isForeignKeyViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23503" // foreign_key_violation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
