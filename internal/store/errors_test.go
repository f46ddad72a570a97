package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/supportd/supportd/internal/support"
)

func TestTranslate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantIs   error // also checked with errors.Is when set
		wantCode support.Code
	}{
		{"no rows", sql.ErrNoRows, support.ErrNotFound, support.CodeNotFound},
		{"pg email key taken", &pgconn.PgError{Code: "23505", ConstraintName: emailKeyConstraint}, support.ErrDuplicateEmail, support.CodeConflict},
		{"pg other unique", &pgconn.PgError{Code: "23505", ConstraintName: "users_pkey"}, nil, support.CodeConflict},
		{"sqlite email key taken", sqliteUniqueError(t, "email_key"), support.ErrDuplicateEmail, support.CodeConflict},
		{"sqlite other unique", sqliteUniqueError(t, "other"), nil, support.CodeConflict},
		{"pg foreign key", &pgconn.PgError{Code: "23503"}, nil, support.CodeInternal},
		{"pg syntax error", &pgconn.PgError{Code: "42601"}, nil, support.CodeInternal},
		{"pg starting up", &pgconn.PgError{Code: "57P03"}, nil, support.CodeUnavailable},
		{"pg admin shutdown", &pgconn.PgError{Code: "57P01"}, nil, support.CodeUnavailable},
		{"pg too many connections", &pgconn.PgError{Code: "53300"}, nil, support.CodeUnavailable},
		{"pg connection failure", &pgconn.PgError{Code: "08006"}, nil, support.CodeUnavailable},
		{"pg connect error", pgConnectError(t), nil, support.CodeUnavailable},
		{"pg wrong password", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28P01"}), nil, support.CodeInternal},
		{"pg no such database", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "3D000"}), nil, support.CodeInternal},
		{"net dial", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, nil, support.CodeUnavailable},
		{"connection refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), nil, support.CodeUnavailable},
		{"bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), nil, support.CodeUnavailable},
		{"pool closed", closedPoolError(t), nil, support.CodeUnavailable},
		{"caller cancelled", fmt.Errorf("query: %w", context.Canceled), context.Canceled, support.CodeInternal},
		{"anything else", errors.New("boom"), nil, support.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := translate("op", tt.err)
			if tt.wantIs != nil && !errors.Is(got, tt.wantIs) {
				t.Errorf("translate(%v) = %v, not %v", tt.err, got, tt.wantIs)
			}
			if code := support.ErrorCode(got); code != tt.wantCode {
				t.Errorf("ErrorCode(translate(%v)) = %q, want %q", tt.err, code, tt.wantCode)
			}
			if !errors.Is(got, tt.err) && tt.wantIs == nil {
				t.Errorf("translate(%v) = %v, which hides the cause", tt.err, got)
			}
			var e *support.Error
			if tt.wantCode == support.CodeUnavailable && (!errors.As(got, &e) || e.RetryAfter != 2*time.Second) {
				t.Errorf("translate(%v) = %v, want RetryAfter 2s", tt.err, got)
			}
		})
	}
	if err := translate("op", nil); err != nil {
		t.Errorf("translate(nil) = %v", err)
	}
}

// sqliteUniqueError returns a real unique violation from modernc SQLite on
// users.<column>, since its error type cannot be built by hand.
func sqliteUniqueError(t *testing.T, column string) error {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	stmts := []string{
		"CREATE TABLE users (" + column + " TEXT UNIQUE)",
		"INSERT INTO users VALUES ('x')",
		"INSERT INTO users VALUES ('x')",
	}
	for _, s := range stmts {
		if _, err = db.Exec(s); err != nil {
			return err
		}
	}
	t.Fatal("no unique violation")
	return nil
}

// pgConnectError returns a real *pgconn.ConnectError from a refused connection.
func pgConnectError(t *testing.T) error {
	t.Helper()
	conn, err := pgconn.Connect(t.Context(), "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=1")
	if err == nil {
		_ = conn.Close(t.Context())
		t.Fatal("connected to port 1")
	}
	return err
}

// closedPoolError returns database/sql's unexported "database is closed" error.
func closedPoolError(t *testing.T) error {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	return db.Ping()
}
