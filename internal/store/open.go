package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// dialect is everything that differs between the two engines. The queries do not:
// both drivers take $N placeholders and row-value comparisons.
type dialect struct {
	engine     string        // what Engine returns
	goose      goose.Dialect // for the migration provider
	migrations string        // directory under migrationsFS
}

var (
	postgresDialect = dialect{engine: "postgres", goose: goose.DialectPostgres, migrations: "migrations/postgres"}
	sqliteDialect   = dialect{engine: "sqlite", goose: goose.DialectSQLite3, migrations: "migrations/sqlite"}
)

// PostgreSQL connection pool limits.
const (
	// pgConnectTimeout makes an unreachable server fail fast instead of hanging a request.
	pgConnectTimeout = 3 * time.Second
	// pgMaxOpen stays well below PostgreSQL's default max_connections (100) so
	// that a few instances plus migrations and psql sessions still fit. More
	// connections do not buy throughput: PostgreSQL peaks at a few busy backends
	// per core, and on the 2-core benchmark box (docs/benchmarks.md) 16 served
	// more requests per CPU-second than 25.
	pgMaxOpen = 16
	// pgMaxIdle equals pgMaxOpen: with fewer idle slots than open ones, every
	// burst above pgMaxIdle closes connections on release and reopens them
	// moments later (about 5 new PostgreSQL backends a second under load, each a
	// fork plus re-preparing the statements). pgMaxIdleTime still releases the
	// backends of an idle instance.
	pgMaxIdle = pgMaxOpen
	// pgMaxLifetime rotates connections so a failover or DNS change is picked up
	// and server-side per-connection memory is released.
	pgMaxLifetime = 30 * time.Minute
	pgMaxIdleTime = 5 * time.Minute
)

// sqliteMaxOpen bounds SQLite connections. WAL lets readers run in parallel with
// the one writer, so more than one connection helps reads; writers queue on
// SQLite's own lock (busy_timeout) whatever the pool size, and a small pool keeps
// that busy-waiting, and the open file handles, bounded.
const sqliteMaxOpen = 8

// sqlitePragmas apply to every SQLite connection. _txlock=immediate takes the
// write lock at BEGIN, so a write transaction waits for busy_timeout instead of
// failing with SQLITE_BUSY when it later tries to upgrade a read lock.
// synchronous(NORMAL) is SQLite's advice for WAL: the database stays
// consistent through any crash, and a commit no longer waits for an fsync (the
// WAL is synced at checkpoints), so the writers that take turns on the one
// write lock hold it for microseconds instead of milliseconds. The price: a
// power loss (not a process crash) may roll back the last commits.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate"

// connect opens the pool that databaseURL names and reports which dialect it speaks.
// It does not touch the network: Open pings afterwards.
func connect(databaseURL string) (*sql.DB, dialect, error) {
	if path, ok := sqlitePath(databaseURL); ok {
		db, err := openSQLite(path)
		return db, sqliteDialect, err
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, dialect{}, fmt.Errorf("store: database URL is not a valid URL (%v); want postgres://... or sqlite://PATH", err)
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		db, err := openPostgres(databaseURL)
		return db, postgresDialect, err
	case "":
		return nil, dialect{}, errors.New("store: database URL has no scheme; want postgres://... or sqlite://PATH")
	}
	return nil, dialect{}, fmt.Errorf("store: unsupported database URL scheme %q; want postgres://... or sqlite://PATH", u.Scheme)
}

// sqlitePath returns what follows "sqlite://" (any case). It is not run
// through url.Parse, which would take the first segment of a relative path for
// a host name and reject some valid file names.
func sqlitePath(databaseURL string) (string, bool) {
	const prefix = "sqlite://"
	if len(databaseURL) < len(prefix) || !strings.EqualFold(databaseURL[:len(prefix)], prefix) {
		return "", false
	}
	return databaseURL[len(prefix):], true
}

func openSQLite(path string) (*sql.DB, error) {
	switch {
	case path == "":
		return nil, errors.New("store: sqlite URL has no file path; want sqlite:///abs/path.db or sqlite://rel/path.db")
	case strings.Contains(path, "?"):
		return nil, errors.New("store: sqlite URL must not have query parameters; the store sets its own")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// Each pooled connection would get its own private in-memory database.
		return nil, fmt.Errorf("store: sqlite URL must name a file path, not %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: create sqlite directory: %w", err)
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(sqliteMaxOpen)
	db.SetMaxIdleConns(sqliteMaxOpen) // connections are cheap to keep and carry their pragmas
	return db, nil
}

func openPostgres(databaseURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		// pgconn redacts the password in its parse errors.
		return nil, fmt.Errorf("store: invalid postgres URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout // an explicit connect_timeout in the URL wins
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxOpen)
	db.SetMaxIdleConns(pgMaxIdle)
	db.SetConnMaxLifetime(pgMaxLifetime)
	db.SetConnMaxIdleTime(pgMaxIdleTime)
	return db, nil
}
