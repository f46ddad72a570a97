// Package storetest gives tests throwaway databases on every engine supportd runs on.
//
// SQLite is always tested. PostgreSQL is tested when TEST_DATABASE_URL names a
// server on which the user may create databases, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each test gets a
// database of its own, so tests can run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection

	"github.com/supportd/supportd/internal/store"
)

// EnvURL names the variable holding the PostgreSQL server URL for tests.
const EnvURL = "TEST_DATABASE_URL"

// skipLog makes the "PostgreSQL skipped" note appear once per test binary, not once per test.
var skipLog sync.Once

// Engines lists the engines to test: "sqlite" always, "postgres" when
// TEST_DATABASE_URL is set. With CI=true and no TEST_DATABASE_URL it fails the
// test, because CI must not silently skip PostgreSQL; elsewhere it logs once
// that PostgreSQL tests are skipped and why.
func Engines(t testing.TB) []string {
	t.Helper()
	if os.Getenv(EnvURL) != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("storetest: CI=true but %s is unset: PostgreSQL tests must run in CI", EnvURL)
	}
	skipLog.Do(func() {
		t.Logf("storetest: %s is unset, so PostgreSQL tests are skipped; set it to e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", EnvURL)
	})
	return []string{"sqlite"}
}

// NewURL returns the URL of a fresh, empty, unmigrated database on engine,
// removed when the test ends: a file in t.TempDir() for "sqlite", a new
// database on TEST_DATABASE_URL's server for "postgres".
func NewURL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return newPostgresURL(t)
	}
	t.Fatalf("storetest: unknown engine %q", engine)
	return ""
}

// Open returns a migrated, empty *store.DB on engine, closed when the test ends.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, NewURL(t, engine))
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	// Registered after NewURL's cleanup, so it runs first: close, then drop.
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", engine, err)
	}
	return db
}

func newPostgresURL(t testing.TB) string {
	t.Helper()
	serverURL := os.Getenv(EnvURL)
	if serverURL == "" {
		t.Fatalf("storetest: %s is unset; call Engines to decide which engines to test", EnvURL)
	}
	name := "supportd_test_" + randomHex(8)
	adminExec(t, serverURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() {
		adminExec(t, serverURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on the server database of TEST_DATABASE_URL. It
// opens and closes its own connection so no test holds one for its whole run.
// CREATE/DROP DATABASE cannot take bound parameters; names come from randomHex.
func adminExec(t testing.TB, serverURL, stmt string) {
	t.Helper()
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", EnvURL, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("storetest: %s: %v", stmt, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	return hex.EncodeToString(b)
}
