package support

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Live streams (WebSocket, SSE: issue 12) authenticate at the handshake with a
// bearer token, or, for browsers that cannot send headers, with a live token:
// single-use, short-lived, and issued to an authenticated request, so no
// long-lived token ever sits in a URL or a proxy's log.

// LiveTokenTTL is how long a live token waits to be used.
const LiveTokenTTL = time.Minute

// LiveTokenStore keeps live tokens, hashed.
type LiveTokenStore interface {
	CreateLiveToken(ctx context.Context, hash, userID string, tokenVersion int, expires time.Time) error
	// ConsumeLiveToken marks the token used and returns whom it was issued to,
	// or ErrNotFound when it is unknown, used or expired.
	ConsumeLiveToken(ctx context.Context, hash string, now time.Time) (userID string, tokenVersion int, err error)
}

// LiveToken is a live token and how long it stays valid.
type LiveToken struct {
	Token     string
	ExpiresIn time.Duration
}

// ErrBadLiveToken is the one answer to an unknown, used or expired live token.
var ErrBadLiveToken = Errorf(CodeUnauthorized, "invalid or expired live token")

// LiveAccess issues and redeems live tokens.
type LiveAccess struct {
	tokens LiveTokenStore
	auth   *AuthService
}

// NewLiveAccess returns a LiveAccess keeping tokens in tokens and confirming
// accounts through auth.
func NewLiveAccess(tokens LiveTokenStore, auth *AuthService) *LiveAccess {
	return &LiveAccess{tokens: tokens, auth: auth}
}

// Issue returns a live token for actor. It carries the account's current token
// version: a logout between issue and use makes it worthless.
func (l *LiveAccess) Issue(ctx context.Context, actor Actor) (*LiveToken, error) {
	u, err := l.auth.users.UserByID(ctx, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("live token user: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("live token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if err := l.tokens.CreateLiveToken(ctx, hashToken(token), u.ID, u.TokenVersion, l.auth.timestamp().Add(LiveTokenTTL)); err != nil {
		return nil, fmt.Errorf("store live token: %w", err)
	}
	return &LiveToken{Token: token, ExpiresIn: LiveTokenTTL}, nil
}

// Redeem consumes token and returns the actor it authenticates, as the account
// is now (deactivated, signed out or deleted since: refused).
func (l *LiveAccess) Redeem(ctx context.Context, token string) (Actor, error) {
	userID, version, err := l.tokens.ConsumeLiveToken(ctx, hashToken(token), l.auth.timestamp())
	if errors.Is(err, ErrNotFound) {
		return Actor{}, ErrBadLiveToken
	}
	if err != nil {
		return Actor{}, fmt.Errorf("consume live token: %w", err)
	}
	return l.auth.Confirm(ctx, Caller{UserID: userID, TokenVersion: version})
}
