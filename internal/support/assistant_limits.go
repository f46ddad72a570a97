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

// acquireStream takes one of the user's concurrent stream slots on this instance.
func (a *Assistant) acquireStream(userID string) (func(), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.streams[userID] >= a.cfg.ConcurrentStreams {
		return nil, &Error{Code: CodeRateLimited, RetryAfter: 5 * time.Second,
			Message: fmt.Sprintf("too many open reply streams (at most %d at once)", a.cfg.ConcurrentStreams)}
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

// checkHourlyLimit counts the user's replies in the last hour in the database, so
// the limit holds across instances.
func (a *Assistant) checkHourlyLimit(ctx context.Context, actor Actor) error {
	now := a.timestamp()
	n, oldest, err := a.replies.CountRepliesSince(ctx, actor.UserID, now.Add(-time.Hour))
	if err != nil {
		return fmt.Errorf("count replies: %w", err)
	}
	if n < a.cfg.RepliesPerHour {
		return nil
	}
	wait := oldest.Add(time.Hour).Sub(now)
	if wait < time.Second {
		wait = time.Second
	}
	return &Error{Code: CodeRateLimited, RetryAfter: wait,
		Message: fmt.Sprintf("AI reply limit reached (%d per hour)", a.cfg.RepliesPerHour)}
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
	return &StreamToken{Token: token, ExpiresIn: a.cfg.StreamTokenTTL}, nil
}

// ErrBadStreamToken is the one answer to an unknown, used, expired or misdirected stream token.
var ErrBadStreamToken = Errorf(CodeUnauthorized, "invalid or expired stream token")

// RedeemStreamToken consumes a stream token for ticketID and returns its user.
func (a *Assistant) RedeemStreamToken(ctx context.Context, token, ticketID string) (Actor, error) {
	userID, boundTicket, err := a.replies.ConsumeStreamToken(ctx, hashToken(token), a.timestamp())
	if errors.Is(err, ErrNotFound) || (err == nil && boundTicket != ticketID) {
		return Actor{}, ErrBadStreamToken
	}
	if err != nil {
		return Actor{}, fmt.Errorf("consume stream token: %w", err)
	}
	u, err := a.users.UserByID(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return Actor{}, ErrBadStreamToken
	}
	if err != nil {
		return Actor{}, fmt.Errorf("stream token user: %w", err)
	}
	return Actor{UserID: u.ID, Role: u.Role}, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
