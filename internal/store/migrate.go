package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationsFS holds one goose migration directory per engine: their DDL differs
// (TIMESTAMPTZ and collations on PostgreSQL, TEXT times and STRICT tables on SQLite).
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationsFS embed.FS

// Migrate applies every pending migration. It is a no-op when the schema is current.
//
// On PostgreSQL several instances may call it at once: a session advisory lock
// makes them take turns, and the later ones find nothing left to do. Embedded
// SQLite has no such lock across processes, so there Migrate is only serialised
// within this process; run one instance per SQLite file.
func (db *DB) Migrate(ctx context.Context) error {
	db.migrateMu.Lock()
	defer db.migrateMu.Unlock()
	p, err := db.migrationProvider()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return db.translate("migrate", err)
	}
	if err := db.migrateQueue(ctx); err != nil {
		return db.translate("migrate", err)
	}
	return nil
}

func (db *DB) migrationProvider() (*goose.Provider, error) {
	dir, err := fs.Sub(migrationsFS, db.dialect.migrations)
	if err != nil {
		return nil, err
	}
	// Only the embedded SQL files: ignore Go migrations other packages might register globally.
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.dialect == postgresDialect {
		// Probe the lock every second (the default is 5s) for up to 5 minutes,
		// so an instance that starts while another migrates waits only briefly.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(db.dialect.goose, db.sql, dir, opts...)
}
