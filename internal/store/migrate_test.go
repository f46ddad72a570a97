package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
)

func TestMigrateTwiceIsNoOp(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		before := appliedMigrations(t, db)
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if after := appliedMigrations(t, db); after != before {
			t.Errorf("second Migrate recorded %d migrations, had %d", after, before)
		}
		if _, err := db.UserByID(t.Context(), u.ID); err != nil {
			t.Errorf("data lost after second Migrate: %v", err)
		}
	})
}

// appliedMigrations counts the rows in goose's version table.
func appliedMigrations(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM goose_db_version").Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	return n
}

// TestConcurrentMigrate starts several instances on one fresh database at once,
// as a rolling deploy does. On PostgreSQL each has its own pool, like separate
// processes; embedded SQLite serialises Migrate only within a process, so
// there the calls share one *DB.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dbURL := storetest.NewURL(t, engine)
			dbs := make([]*store.DB, 4)
			for i := range dbs {
				if engine == "sqlite" && i > 0 {
					dbs[i] = dbs[0]
					continue
				}
				db, err := store.Open(t.Context(), dbURL)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				t.Cleanup(func() { _ = db.Close() })
				dbs[i] = db
			}
			var wg sync.WaitGroup
			for i, db := range dbs {
				wg.Go(func() {
					if err := db.Migrate(t.Context()); err != nil {
						t.Errorf("Migrate %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			mustTicket(t, dbs[len(dbs)-1], mustUser(t, dbs[0]).ID, time.Time{})
		})
	}
}
