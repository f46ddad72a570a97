package support

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// StreamSlots counts each user's open reply streams across instances (Redis in
// production: internal/relay). Without it the limit holds per instance.
type StreamSlots interface {
	// Acquire takes a slot for streamID unless userID holds limit live ones. A slot
	// lapses at expires even if never released (its instance died).
	Acquire(ctx context.Context, userID, streamID string, limit int, now, expires time.Time) (bool, error)
	Release(ctx context.Context, userID, streamID string) error
}

// errTooManyStreams is the answer to one stream too many.
func (a *Assistant) errTooManyStreams() error {
	return &Error{Code: CodeRateLimited, RetryAfter: 5 * time.Second,
		Message: fmt.Sprintf("too many open reply streams (at most %d at once)", a.cfg.ConcurrentStreams)}
}

// acquireStream takes one of the user's concurrent stream slots: across instances
// when there are shared slots, else on this instance (also when the shared slots
// cannot be reached: a Redis outage must not stop replies).
func (a *Assistant) acquireStream(ctx context.Context, userID string) (func(), error) {
	if a.slots != nil {
		release, err := a.acquireSharedStream(ctx, userID)
		if err == nil || ErrorCode(err) == CodeRateLimited {
			return release, err
		}
		a.metrics.RelayFailed("slots")
		a.log.WarnContext(ctx, "shared stream limit unavailable; counting on this instance", "err", err)
	}
	return a.acquireLocalStream(userID)
}

// acquireStreamAsync runs acquireStream in the background, so that with shared
// slots its Redis round trip overlaps the database's. The returned func waits for
// it and takes the outcome of the work done meanwhile (admission): that error is
// answered first, so a 401 or 404 still wins over a 429, and a slot taken for a
// refused request is given back.
func (a *Assistant) acquireStreamAsync(ctx context.Context, userID string) func(admitErr error) (func(), error) {
	type slot struct {
		release func()
		err     error
	}
	taken := make(chan slot, 1)
	acquire := func() {
		release, err := a.acquireStream(ctx, userID)
		taken <- slot{release, err}
	}
	if a.slots == nil {
		acquire() // a map update on this instance: nothing to overlap
	} else {
		go acquire()
	}
	return func(admitErr error) (func(), error) {
		s := <-taken
		if admitErr != nil {
			if s.err == nil {
				s.release()
			}
			return nil, admitErr
		}
		return s.release, s.err
	}
}

func (a *Assistant) acquireSharedStream(ctx context.Context, userID string) (func(), error) {
	id := a.newID()
	now := a.now()
	// Streams end with their reply, which ends within MaxDuration; the margin covers
	// a reply that was already running when the stream joined it.
	expires := now.Add(2*a.cfg.MaxDuration + time.Minute)
	// The slot is given back when the stream ends, after its request may be gone:
	// with the request's values (its ids, for the log), not its cancellation.
	detached := context.WithoutCancel(ctx)
	ctx, cancel := context.WithTimeout(ctx, a.cfg.RelayTimeout)
	defer cancel()
	ok, err := a.slots.Acquire(ctx, userID, id, a.cfg.ConcurrentStreams, now, expires)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, a.errTooManyStreams()
	}
	return func() {
		ctx, cancel := context.WithTimeout(detached, a.cfg.RelayTimeout)
		defer cancel()
		if err := a.slots.Release(ctx, userID, id); err != nil {
			a.log.WarnContext(ctx, "releasing a stream slot failed; it lapses by itself", "user_id", userID, "err", err)
		}
	}, nil
}

// acquireLocalStream takes one of the user's concurrent stream slots on this instance.
func (a *Assistant) acquireLocalStream(userID string) (func(), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.streams[userID] >= a.cfg.ConcurrentStreams {
		return nil, a.errTooManyStreams()
	}
	a.streams[userID]++
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.streams[userID]--; a.streams[userID] <= 0 {
			delete(a.streams, userID)
		}
	}, nil
}

// quota is what the hourly limits allow in the hour before now. The replies are
// counted in the database, so the limits hold across instances.
func (a *Assistant) quota(now time.Time) ReplyQuota {
	return ReplyQuota{Since: now.Add(-time.Hour), PerUser: a.cfg.RepliesPerHour, Global: a.cfg.RepliesPerHourAll,
		MaxMessages: a.tickets.limits.MaxMessages}
}

// replyLimits judges the replies counted in rc: the user's own limit first, then
// the service's global budget.
func (a *Assistant) replyLimits(rc *ReplyContext, now time.Time) error {
	if rc.ThreadFull {
		return ThreadFull(a.tickets.limits.MaxMessages) // no model cost for a reply that cannot be stored
	}
	if rc.RecentReplies >= a.cfg.RepliesPerHour {
		return &Error{Code: CodeRateLimited, RetryAfter: retryAfter(rc.OldestRecent, now),
			Message: fmt.Sprintf("AI reply limit reached (%d per hour)", a.cfg.RepliesPerHour)}
	}
	if all := a.cfg.RepliesPerHourAll; all > 0 && rc.GlobalReplies >= all {
		return &Error{Code: CodeRateLimited, RetryAfter: retryAfter(rc.GlobalOldest, now),
			Message: fmt.Sprintf("the service's AI reply budget for this hour is spent (%d replies across all users); please try again later", all)}
	}
	return nil
}

// retryAfter is when the oldest reply of the window leaves it, at least a second away.
func retryAfter(oldest, now time.Time) time.Duration {
	return max(oldest.Add(time.Hour).Sub(now), time.Second)
}

// quotaSpent is the answer to a request that saw room for its reply, but whose
// reply insert found the quota taken meanwhile by concurrent requests: the limits
// are judged again on fresh counts to say which one.
func (a *Assistant) quotaSpent(ctx context.Context, adm *admission) error {
	now := a.timestamp()
	rc, err := a.replies.LoadReplyContext(ctx, adm.actor.UserID, "", adm.quota)
	if err != nil {
		return fmt.Errorf("recount replies: %w", err)
	}
	if err := a.replyLimits(rc, now); err != nil {
		return err
	}
	return &Error{Code: CodeRateLimited, RetryAfter: time.Second, Message: "AI reply limit reached; please try again"}
}

// StreamToken is a short-lived, single-use credential for one ticket's reply stream,
// for browsers' EventSource, which cannot send an Authorization header.
type StreamToken struct {
	Token     string
	ExpiresIn time.Duration
}

// IssueStreamToken creates a stream token for a ticket the actor may see. Only its
// hash is stored.
func (a *Assistant) IssueStreamToken(ctx context.Context, actor Actor, ticketID string) (*StreamToken, error) {
	if _, _, err := a.tickets.Ticket(ctx, actor, ticketID); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("stream token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	exp := a.timestamp().Add(a.cfg.StreamTokenTTL)
	if err := a.replies.CreateStreamToken(ctx, hashToken(token), actor.UserID, ticketID, exp); err != nil {
		return nil, fmt.Errorf("store stream token: %w", err)
	}
	a.metrics.StreamToken(true)
	return &StreamToken{Token: token, ExpiresIn: a.cfg.StreamTokenTTL}, nil
}

// ErrBadStreamToken is the one answer to an unknown, used, expired or misdirected stream token.
var ErrBadStreamToken = Errorf(CodeUnauthorized, "invalid or expired stream token")

// RedeemStreamToken consumes a stream token for ticketID and returns whom it was
// issued to; Open confirms that user still exists.
func (a *Assistant) RedeemStreamToken(ctx context.Context, token, ticketID string) (Caller, error) {
	userID, boundTicket, err := a.replies.ConsumeStreamToken(ctx, hashToken(token), a.timestamp())
	if errors.Is(err, ErrNotFound) || (err == nil && boundTicket != ticketID) {
		a.metrics.StreamToken(false)
		return Caller{}, ErrBadStreamToken
	}
	if err != nil {
		return Caller{}, fmt.Errorf("consume stream token: %w", err)
	}
	return Caller{UserID: userID, ViaStreamToken: true}, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
