package support

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/auth"
)

// Session is one login on one device: the family of refresh tokens that login
// started. Each refresh token is used once and replaced by the next; a used one
// presented again means it was copied, and ends the session.
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // the refresh token must be used before this; each use moves it on
	RevokedAt  time.Time // zero while the session lives
	ClientIP   string
}

// SessionStore persists sessions and the hashes of their refresh tokens.
// RotateRefreshToken spends oldHash and stores newHash in its place, extending
// the session to expires (never past maxAge after it started): ErrNotFound when the token is unknown or its session
// ended or expired, ErrRefreshReused with the session (after revoking it) when
// the token had been spent already.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session, refreshHash string) error
	RotateRefreshToken(ctx context.Context, oldHash, newHash string, now, expires time.Time, maxAge time.Duration) (*Session, error)
	RevokeSession(ctx context.Context, id string, now time.Time) error
	RevokeUserSessions(ctx context.Context, userID, exceptID string, now time.Time) error
}

// ErrRefreshReused is what the store reports for a spent refresh token. The
// client is told no more than for any other bad refresh token.
var ErrRefreshReused = errors.New("refresh token reused: session revoked")

// ErrBadRefreshToken is the one answer to an unknown, spent, expired or revoked refresh token.
var ErrBadRefreshToken = Errorf(CodeUnauthorized, "Invalid or expired refresh token: log in again")

// DefaultRefreshTTL is how long a session lives unused, and DefaultSessionMaxAge
// how long it lives at most, however often it is used (ASVS 7.3: idle and
// absolute lifetimes).
const (
	DefaultRefreshTTL    = 30 * 24 * time.Hour
	DefaultSessionMaxAge = 90 * 24 * time.Hour
)

// refreshTokenPrefix marks supportd's refresh tokens, so that one pasted where an
// access token is expected is recognisable (and secret scanners can find them).
const refreshTokenPrefix = "sdrt_"

// TokenPair is what a login or a refresh gives: a short-lived access token and
// the refresh token that gets the next one.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	SessionID    string
}

// startSession opens a session for u and issues its first tokens.
func (s *AuthService) startSession(ctx context.Context, u *User, clientIP string) (*TokenPair, error) {
	refresh, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	sess := &Session{ID: s.newID(), UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(min(s.refreshTTL, s.sessionMaxAge)),
		ClientIP: clientIP}
	if err := s.users.CreateSession(ctx, sess, hashToken(refresh)); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	access, err := s.tokens.Issue(auth.Claims{UserID: u.ID, Version: u.TokenVersion, SessionID: sess.ID})
	if err != nil {
		return nil, err
	}
	return &TokenPair{AccessToken: access, RefreshToken: refresh, SessionID: sess.ID}, nil
}

// Refresh spends a refresh token for a new access token and the next refresh
// token. A spent token presented again revokes its session: whoever holds the
// other copy is logged out too.
func (s *AuthService) Refresh(ctx context.Context, refreshToken, clientIP string) (*TokenPair, error) {
	if !strings.HasPrefix(refreshToken, refreshTokenPrefix) || len(refreshToken) > 100 {
		return nil, ErrBadRefreshToken
	}
	next, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	sess, err := s.users.RotateRefreshToken(ctx, hashToken(refreshToken), hashToken(next), now, now.Add(s.refreshTTL),
		s.sessionMaxAge)
	switch {
	case errors.Is(err, ErrRefreshReused):
		s.reused(ctx, sess, clientIP)
		return nil, ErrBadRefreshToken
	case errors.Is(err, ErrNotFound):
		return nil, ErrBadRefreshToken
	case err != nil:
		return nil, fmt.Errorf("rotate refresh token: %w", err)
	}
	u, err := s.users.UserByID(ctx, sess.UserID)
	if err != nil || !u.Active() {
		return nil, ErrBadRefreshToken // deactivation revokes sessions too; this covers a race with it
	}
	access, err := s.tokens.Issue(auth.Claims{UserID: u.ID, Version: u.TokenVersion, SessionID: sess.ID})
	if err != nil {
		return nil, err
	}
	return &TokenPair{AccessToken: access, RefreshToken: next, SessionID: sess.ID}, nil
}

// Logout ends the caller's session: its refresh token stops working, and so
// does every access token issued before now (other devices refresh theirs).
func (s *AuthService) Logout(ctx context.Context, actor Actor) error {
	now := s.timestamp()
	if actor.SessionID != "" {
		if err := s.users.RevokeSession(ctx, actor.SessionID, now); err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
	}
	if _, err := s.updateAccount(ctx, actor, actor.UserID, func(u *User) { u.TokenVersion++ }); err != nil {
		return err
	}
	s.audit.record(ctx, AuditEntry{Action: AuditLogout, ActorID: actor.UserID, TargetType: "session", TargetID: actor.SessionID})
	return nil
}

// reused answers a spent refresh token presented again: one copy of it was
// stolen. The store ended the session; the user's access tokens are refused too,
// so whoever holds one from that session loses it at once (the user's other
// sessions refresh theirs).
func (s *AuthService) reused(ctx context.Context, sess *Session, clientIP string) {
	s.log.WarnContext(ctx, "refresh token reused: session revoked", "session_id", sess.ID, "user_id", sess.UserID,
		"client_ip", clientIP)
	s.audit.record(ctx, AuditEntry{Action: AuditRefreshReused, TargetType: "session", TargetID: sess.ID, ClientIP: clientIP,
		Detail: map[string]string{"user_id": sess.UserID}})
	if _, err := s.updateAccount(ctx, Actor{}, sess.UserID, func(u *User) { u.TokenVersion++ }); err != nil {
		s.log.ErrorContext(ctx, "refusing the access tokens of a reused session failed", "user_id", sess.UserID, "err", err)
	}
}

func newRefreshToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	return refreshTokenPrefix + base64.RawURLEncoding.EncodeToString(raw), nil
}
