package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/supportd/supportd/internal/support"
)

// emailKeyConstraint names the unique constraint on users.email_key in the
// PostgreSQL migration; SQLite reports the column instead.
const (
	emailKeyConstraint = "users_email_key_unique"
	emailKeyColumn     = "users.email_key"
)

// retryAfter is what clients are told to wait when the database is unreachable.
const retryAfter = 2 * time.Second

// translate turns a driver error from operation op into what the domain expects:
// support.ErrNotFound, support.ErrDuplicateEmail, a CodeConflict for other unique
// violations, a CodeUnavailable *support.Error when the database cannot be reached,
// and otherwise the error wrapped with op. It is the only place that inspects
// driver errors.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: %s: %w", op, support.ErrNotFound)
	case isUniqueViolation(err):
		if violates(err, emailKeyConstraint, emailKeyColumn) {
			return fmt.Errorf("store: %s: %w", op, support.ErrDuplicateEmail)
		}
		return &support.Error{Code: support.CodeConflict, Message: "already exists", Err: fmt.Errorf("store: %s: %w", op, err)}
	case isUnavailable(err):
		return &support.Error{
			Code:       support.CodeUnavailable,
			Message:    "database unavailable",
			RetryAfter: retryAfter,
			Err:        fmt.Errorf("store: %s: %w", op, err),
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// translate is translate (below), counting the error by kind for monitoring.
func (db *DB) translate(op string, err error) error {
	err = translate(op, err)
	if err != nil && db.errorSeen != nil {
		if kind := errorKind(err); kind != "" {
			db.errorSeen(kind)
		}
	}
	return err
}

// ObserveErrors has f called with the kind of every database error: unavailable,
// conflict, canceled (the caller gave up) or other. Not-found answers are not
// errors. Call it before the DB is shared between goroutines.
func (db *DB) ObserveErrors(f func(kind string)) { db.errorSeen = f }

// errorKind classifies a translated error; "" for an answer rather than a
// failure: a row not found, or a domain error (a full thread, a spent quota).
func errorKind(err error) string {
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	switch support.ErrorCode(err) {
	case support.CodeUnavailable:
		return "unavailable"
	case support.CodeConflict:
		return "conflict"
	case support.CodeInternal:
		return "other"
	}
	return ""
}

// isUniqueViolation reports a unique or primary-key violation on either engine.
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505" // unique_violation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// violates reports whether a unique violation is on the named PostgreSQL
// constraint or, for SQLite (which names columns, not constraints), the column.
func violates(err error, constraint, column string) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.ConstraintName == constraint
	}
	// SQLite: "UNIQUE constraint failed: users.email_key (2067)".
	return strings.Contains(err.Error(), "constraint failed: "+column)
}

// isUnavailable reports errors that mean "the database cannot be reached right
// now", as opposed to a bad query or a bug: a retry later may succeed.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; the database may be fine
	}
	// First, because a ConnectError also wraps the server's refusal of a wrong
	// database name, user or password: a configuration error, not an outage.
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgUnavailable(pgErr.Code)
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		// SQLITE_BUSY outlasted busy_timeout: another writer holds the lock.
		return liteErr.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return errors.Is(err, driver.ErrBadConn) ||
		// A pooled connection whose server went away mid-query.
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		// database/sql does not export this error.
		strings.Contains(err.Error(), "sql: database is closed")
}

// pgUnavailable reports SQLSTATEs for a server that is down, starting, shutting
// down or full, rather than one rejecting the statement.
func pgUnavailable(code string) bool {
	switch code {
	case "53300", // too_many_connections
		"57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03": // cannot_connect_now
		return true
	}
	return strings.HasPrefix(code, "08") // connection_exception class
}
