package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// CreateSession stores a new session and its first refresh token's hash together.
func (db *DB) CreateSession(ctx context.Context, s *support.Session, refreshHash string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.sq.createSession, s.ID, s.UserID, timestamp(s.CreatedAt),
			timestamp(s.ExpiresAt), s.ClientIP); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.sq.createRefreshToken, refreshHash, s.ID, timestamp(s.CreatedAt))
		return err
	})
	return db.translate("create session", err)
}

// RotateRefreshToken implements support.SessionStore: in one transaction it
// spends oldHash, stores newHash for the same session and extends the session
// to expires, but never past maxAge after its start (0: no such bound).
// A spent token (or one a concurrent rotation just spent) revokes its session,
// and that revocation is committed before support.ErrRefreshReused is returned
// with the session.
func (db *DB) RotateRefreshToken(ctx context.Context, oldHash, newHash string, now, expires time.Time, maxAge time.Duration) (*support.Session, error) {
	var sess *support.Session
	reused := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		s, used, err := db.refreshTokenSession(ctx, tx, oldHash)
		if err != nil {
			return err
		}
		if !s.RevokedAt.IsZero() || !now.Before(s.ExpiresAt) {
			return support.ErrNotFound
		}
		spent := false
		if used {
			spent = true
		} else {
			res, err := tx.ExecContext(ctx, db.sq.useRefreshToken, oldHash, timestamp(now))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			spent = n == 0
		}
		if spent {
			reused, sess = true, s
			_, err := tx.ExecContext(ctx, db.sq.revokeSession, s.ID, timestamp(now))
			return err
		}
		if last := s.CreatedAt.Add(maxAge); maxAge > 0 && last.Before(expires) {
			expires = last // the session's absolute lifetime
		}
		if _, err := tx.ExecContext(ctx, db.sq.createRefreshToken, newHash, s.ID, timestamp(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.sq.extendSession, s.ID, timestamp(now), timestamp(expires)); err != nil {
			return err
		}
		s.LastUsedAt, s.ExpiresAt = normTime(now), normTime(expires)
		sess = s
		return nil
	})
	if errors.Is(err, support.ErrNotFound) {
		return nil, support.ErrNotFound
	}
	if err == nil && reused {
		return sess, support.ErrRefreshReused
	}
	return sess, db.translate("rotate refresh token", err)
}

// refreshTokenSession reads the session of a refresh token, and whether the token was spent.
func (db *DB) refreshTokenSession(ctx context.Context, tx *sql.Tx, hash string) (*support.Session, bool, error) {
	var s support.Session
	var revoked, used nullTime
	err := tx.QueryRowContext(ctx, db.sq.refreshTokenSession, hash).Scan(&s.ID, &s.UserID, (*timestamp)(&s.CreatedAt),
		(*timestamp)(&s.LastUsedAt), (*timestamp)(&s.ExpiresAt), &revoked, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, support.ErrNotFound
	}
	s.RevokedAt = revoked.t
	return &s, !used.t.IsZero(), err
}

// RevokeSession ends a session; ending one already ended changes nothing.
func (db *DB) RevokeSession(ctx context.Context, id string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.sq.revokeSession, id, timestamp(now))
	return db.translate("revoke session", err)
}

// RevokeUserSessions ends every live session of userID but exceptID ("" for none).
func (db *DB) RevokeUserSessions(ctx context.Context, userID, exceptID string, now time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.sq.revokeUserSessions, userID, timestamp(now), exceptID)
	return db.translate("revoke user sessions", err)
}

// UserSessions returns every session of userID, newest first.
func (db *DB) UserSessions(ctx context.Context, userID string) ([]support.Session, error) {
	sessions, err := queryAll(ctx, db.sql, db.sq.listUserSessions, scanSession, userID)
	return sessions, db.translate("user sessions", err)
}

func scanSession(row rowScanner) (support.Session, error) {
	var s support.Session
	var revoked nullTime
	err := row.Scan(&s.ID, &s.UserID, (*timestamp)(&s.CreatedAt), (*timestamp)(&s.LastUsedAt), (*timestamp)(&s.ExpiresAt),
		&revoked, &s.ClientIP)
	s.RevokedAt = revoked.t
	return s, err
}

// sessionQueries holds the statements of session_queries.sql.
type sessionQueries struct {
	createSession, createRefreshToken, refreshTokenSession, useRefreshToken string
	extendSession, revokeSession, revokeUserSessions, listUserSessions      string
}

func (q *sessionQueries) targets() map[string]*string {
	return map[string]*string{
		"create-session":        &q.createSession,
		"create-refresh-token":  &q.createRefreshToken,
		"refresh-token-session": &q.refreshTokenSession,
		"use-refresh-token":     &q.useRefreshToken,
		"extend-session":        &q.extendSession,
		"revoke-session":        &q.revokeSession,
		"revoke-user-sessions":  &q.revokeUserSessions,
		"list-user-sessions":    &q.listUserSessions,
	}
}
