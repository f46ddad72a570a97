package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// The durable job queue (River) lives in the same database as everything
// else, so a job enqueued in a transaction exists exactly when that
// transaction commits. River brings its own tables and migrations; Migrate
// runs them after supportd's.
//
// Both engines go through database/sql, so one client type
// (river.Client[*sql.Tx]) serves both and takes the store's transactions. On
// PostgreSQL the driver is poll-only (no LISTEN connection of its own): the
// queue's fetch interval bounds the wait instead. On SQLite River gets a pool
// of one connection to the same file, as its driver recommends: River's
// background work then never competes with itself for the write lock, and it
// waits for the store's writers through busy_timeout.

// QueueDriver returns River's driver for this database. Wiring only: call it
// once at start-up; the pool it may open is closed by Close.
func (db *DB) QueueDriver() (riverdriver.Driver[*sql.Tx], error) {
	if db.dialect.engine == postgresDialect.engine {
		return riverdatabasesql.New(db.sql), nil
	}
	pool, err := db.sqliteQueuePool()
	if err != nil {
		return nil, err
	}
	return riversqlite.New(pool), nil
}

// sqliteQueuePool opens (once) River's one-connection pool on the SQLite file.
func (db *DB) sqliteQueuePool() (*sql.DB, error) {
	db.queueMu.Lock()
	defer db.queueMu.Unlock()
	if db.queuePool != nil {
		return db.queuePool, nil
	}
	pool, err := openSQLite(db.sqliteFile)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	db.queuePool = pool
	return pool, nil
}

// migrateQueue brings River's tables up to date. On PostgreSQL instances
// starting together take turns on an advisory lock (River's migrator has none).
func (db *DB) migrateQueue(ctx context.Context) error {
	driver, err := db.QueueDriver()
	if err != nil {
		return err
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("job queue migrator: %w", err)
	}
	if db.dialect.engine == postgresDialect.engine {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", queueMigrationLock); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", queueMigrationLock) //nolint:errcheck // the session ends with the connection anyway
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// queueMigrationLock is the advisory lock key River's migrations take turns on.
const queueMigrationLock = 7367520553
