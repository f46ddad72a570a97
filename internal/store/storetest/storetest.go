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
	"fmt"
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

// NewMigratedURL is NewURL with the schema in place. On SQLite the file is a
// copy of one migrated once per test process: migrating (supportd's and River's
// migrations, a table rebuild among them) costs over a second under -race, and
// the app's tests open a few hundred databases.
func NewMigratedURL(t testing.TB, engine string) string {
	t.Helper()
	if engine != "sqlite" {
		return NewURL(t, engine) // PostgreSQL migrates in a fraction of that: the caller migrates
	}
	src, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("storetest: migrated SQLite template: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(src, dst); err != nil {
		t.Fatalf("storetest: copy the SQLite template: %v", err)
	}
	return "sqlite://" + dst
}

var (
	templateOnce sync.Once
	templatePath string
	templateErr  error
)

// sqliteTemplate migrates a SQLite file once per process and returns its path.
// It is left in the system's temporary directory (a few hundred KiB).
func sqliteTemplate() (string, error) {
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "supportd-test-template-")
		if err != nil {
			templateErr = err
			return
		}
		templatePath = filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := store.Open(ctx, "sqlite://"+templatePath)
		if err != nil {
			templateErr = err
			return
		}
		templateErr = db.Migrate(ctx)
		// Closing the last connection checkpoints the WAL into the file.
		if err := db.Close(); templateErr == nil {
			templateErr = err
		}
		if fi, err := os.Stat(templatePath + "-wal"); templateErr == nil && err == nil && fi.Size() > 0 {
			templateErr = fmt.Errorf("%s-wal was not checkpointed at close", templatePath)
		}
	})
	return templatePath, templateErr
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// Open returns a migrated, empty *store.DB on engine, closed when the test ends.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, NewMigratedURL(t, engine))
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
