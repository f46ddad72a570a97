package support

import (
	"context"
	"time"
)

// ReplyStatus is the state of an AI reply's generation.
type ReplyStatus string

// A reply is streaming until it is completed (stored as a message) or failed
// (partial text kept on the reply for audit, never presented as a message).
const (
	ReplyStreaming ReplyStatus = "streaming"
	ReplyCompleted ReplyStatus = "completed"
	ReplyFailed    ReplyStatus = "failed"
)

// Citation names a knowledge-base article an AI reply relies on.
type Citation struct {
	ArticleID string `json:"id"`
	Title     string `json:"title"`
}

// ReplyGrounding says how a completed AI reply stood on the knowledge base.
type ReplyGrounding string

const (
	// GroundingNone: no passage was given and the reply was not declined (the
	// knowledge base is empty), or the reply failed, or it predates grounding.
	GroundingNone ReplyGrounding = ""
	// GroundingGrounded: the reply cites at least one knowledge-base article.
	GroundingGrounded ReplyGrounding = "grounded"
	// GroundingUngrounded: passages were given and the reply cites none of them.
	GroundingUngrounded ReplyGrounding = "ungrounded"
	// GroundingDeclined: nothing covered the question; the reply says a person will answer.
	GroundingDeclined ReplyGrounding = "declined"
)

// MaxQuestionRunes bounds the question kept with a reply: enough to group and
// read what customers asked, not a pasted log.
const MaxQuestionRunes = 1000

// AIMeta is the accounting of one AI reply, exposed on its message.
type AIMeta struct {
	Provider         string
	Model            string
	PromptTokens     int
	CompletionTokens int
	TimeToFirstToken time.Duration
	TotalTime        time.Duration
	Citations        []Citation // the articles the reply refers to, never merely those it was shown
	Truncated        bool       // cut off at the configured maximum reply size
	Grounding        ReplyGrounding
}

// AIReply is one generation of the assistant. Its ID becomes the ID of the AI
// message stored when it completes. ChunkEnds are the byte offsets in Content
// where each streamed delta ended, so the exact events can be replayed.
type AIReply struct {
	ID          string
	InstanceID  string // the process generating it
	TicketID    string
	RequestedBy string
	Status      ReplyStatus
	Content     string
	ChunkEnds   []int
	Meta        AIMeta
	// Question is what retrieval answered (the customer's latest words, at most
	// MaxQuestionRunes) and Language the language it is written in ("" unknown):
	// kept so that staff can list the questions the assistant could not answer.
	Question    string
	Language    string
	Error       string
	CreatedAt   time.Time
	HeartbeatAt time.Time
	FinishedAt  time.Time
}

// ReplyContext is what Assistant.Open reads to decide on a reply request.
type ReplyContext struct {
	User          *User     // nil when the user no longer exists
	Ticket        *Ticket   // nil when there is no such ticket
	Thread        []Message // the ticket's newest messages (at most ThreadTail), oldest first
	RecentReplies int       // the user's replies created at or after ReplyQuota.Since
	OldestRecent  time.Time // when the oldest of those was created
	GlobalReplies int       // everyone's replies since then, counted up to ReplyQuota.Global (0 when unlimited)
	GlobalOldest  time.Time // when the oldest of everyone's replies since then was created
	ThreadFull    bool      // the ticket holds ReplyQuota.MaxMessages messages already
}

// ThreadTail is how many of a ticket's newest messages a reply reads: a prompt
// holds far fewer within its token budget, and a 10,000-message thread must not
// be loaded whole for each reply.
const ThreadTail = 200

// ReplyQuota bounds the replies created since Since: PerUser by the requesting
// user, Global by everyone (every instance shares the database). Zero is unlimited.
type ReplyQuota struct {
	Since       time.Time
	PerUser     int
	Global      int
	MaxMessages int // messages a ticket may hold (0: no bound); the reply is one more
}

// ErrReplyQuotaSpent is returned by ReplyStore.StartReply when the quota's
// replies are already taken: the check and the insert are one atomic step.
var ErrReplyQuotaSpent = Errorf(CodeRateLimited, "AI reply quota spent")

// ReplyStore persists AI replies and stream tokens. StartReply returns an error
// with CodeConflict when the ticket already has a streaming reply, and
// ErrReplyQuotaSpent when q allows no more replies (checked atomically with the
// insert, so concurrent requests cannot overshoot it).
type ReplyStore interface {
	StartReply(ctx context.Context, r *AIReply, q ReplyQuota) error
	// Heartbeat marks every reply the instance is streaming as alive.
	Heartbeat(ctx context.Context, instanceID string, now time.Time) error
	// FinishReply stores the final state of r and, when msg is not nil, the AI
	// message, atomically.
	// A ticket holding maxMessages messages (0: no bound) refuses msg with
	// ThreadFull, and nothing is stored.
	FinishReply(ctx context.Context, r *AIReply, msg *Message, maxMessages int) error
	ReplyByID(ctx context.Context, id string) (*AIReply, error)
	LatestReply(ctx context.Context, ticketID string) (*AIReply, error)
	// FailStaleReplies marks streaming replies whose heartbeat is older than before as failed.
	FailStaleReplies(ctx context.Context, before, now time.Time) (int, error)
	// LoadReplyContext reads what deciding on a reply request needs, in one round
	// trip where the engine allows it.
	LoadReplyContext(ctx context.Context, userID, ticketID string, q ReplyQuota) (*ReplyContext, error)
	CreateStreamToken(ctx context.Context, hash, userID, ticketID string, expiresAt time.Time) error
	// ConsumeStreamToken marks an unexpired, unused token used and returns whom it was issued to.
	ConsumeStreamToken(ctx context.Context, hash string, now time.Time) (userID, ticketID string, err error)
}
