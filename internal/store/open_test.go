package store_test

import (
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url, want string }{
		{"other scheme", "mysql://x", `unsupported database URL scheme "mysql"`},
		{"not a URL", "::::", "not a valid URL"},
		{"empty", "", "no scheme"},
		{"bare path", "data/app.db", "no scheme"},
		{"sqlite without path", "sqlite://", "no file path"},
		{"sqlite in memory", "sqlite://:memory:", "must name a file path"},
		{"sqlite with query", "sqlite://data/app.db?mode=ro", "query parameters"},
		{"bad port", "postgres://admin:s3cret@localhost:port/db", "not a valid URL"},
		{"bad postgres option", "postgres://admin:s3cret@localhost/db?sslmode=bogus", "invalid postgres URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.url)
			if err == nil {
				_ = db.Close()
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("Open(%q) error %q does not say %q", tt.url, msg, tt.want)
			}
			if strings.Contains(msg, "s3cret") || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("Open(%q) error %q shows the password or spans lines", tt.url, msg)
			}
		})
	}
}

// TestOpenSQLitePaths changes the working directory, so it cannot run in parallel.
func TestOpenSQLitePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct{ name, url, file string }{
		{"relative", "sqlite://data/app.db", filepath.Join(dir, "data", "app.db")},
		{"absolute", "sqlite://" + filepath.Join(dir, "abs", "nested", "app.db"), filepath.Join(dir, "abs", "nested", "app.db")},
		{"scheme in capitals", "SQLITE://caps/app.db", filepath.Join(dir, "caps", "app.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(t.Context(), tt.url)
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.url, err)
			}
			defer db.Close()
			if err := db.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if _, err := os.Stat(tt.file); err != nil {
				t.Errorf("database file: %v", err)
			}
			checkPragmas(t, db)
		})
	}
}

// checkPragmas checks the DSN settings on a pooled connection.
func checkPragmas(t *testing.T, db *store.DB) {
	t.Helper()
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"}
	for pragma, value := range want {
		var got string
		if err := db.SQL().QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != value {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, value)
		}
	}
}

// checkUnavailable wants the error the HTTP layer turns into 503 + Retry-After.
func checkUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var e *support.Error
	if !errors.As(err, &e) || e.Code != support.CodeUnavailable || e.RetryAfter != 2*time.Second || e.Message != "database unavailable" {
		t.Errorf("%s: error %v (%#v), want CodeUnavailable with RetryAfter 2s", what, err, e)
	}
}

func TestUnavailableServer(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url string }{
		{"connection refused", "postgres://postgres@127.0.0.1:1/x?sslmode=disable"},
		{"server never answers", "postgres://postgres@" + silentServer(t) + "/x?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			db, err := store.Open(t.Context(), tt.url)
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			checkUnavailable(t, "Open", err)
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q spans lines", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Open took %v; the connect timeout should stop it after about 3s", d)
			}
		})
	}
}

// TestOpenMissingDatabase: a server that answers but refuses the database name
// is a configuration error, which retrying will not fix, so not CodeUnavailable.
func TestOpenMissingDatabase(t *testing.T) {
	t.Parallel()
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	u, err := url.Parse(os.Getenv(storetest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/supportd_no_such_database"
	db, err := store.Open(t.Context(), u.String())
	if err == nil {
		_ = db.Close()
		t.Fatal("Open succeeded")
	}
	if code := support.ErrorCode(err); code == support.CodeUnavailable || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Open error %v (code %q), want a non-retryable error naming the missing database", err, code)
	}
}

// silentServer accepts TCP connections and never answers, like a hung server.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // the listener was closed
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

func TestClosedPool(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, time.Time{})
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		calls := []struct {
			name string
			call func() error
		}{
			{"Ping", func() error { return db.Ping(ctx) }},
			{"Migrate", func() error { return db.Migrate(ctx) }},
			{"UserByID", func() error { _, err := db.UserByID(ctx, u.ID); return err }},
			{"CreateTicket", func() error { return db.CreateTicket(ctx, &support.Ticket{CustomerID: u.ID}) }},
			{"ListTickets", func() error { _, err := db.ListTickets(ctx, support.TicketFilter{Limit: 1}); return err }},
			{"AddMessage", func() error { return db.AddMessage(ctx, &support.Message{TicketID: tk.ID, Sender: support.SenderAI}) }},
			{"Messages", func() error { _, err := db.Messages(ctx, tk.ID); return err }},
		}
		for _, c := range calls {
			checkUnavailable(t, c.name, c.call())
		}
	})
}
