package store

import (
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// TestSQLiteReadThenWriteTransactions: a SQLite transaction that reads before it
// writes must upgrade its lock, and in WAL mode a failed upgrade returns
// SQLITE_BUSY at once, without waiting for busy_timeout. _txlock=immediate
// avoids that by taking the write lock at BEGIN; without it this test fails.
func TestSQLiteReadThenWriteTransactions(t *testing.T) {
	db, err := Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "tx.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	u := &support.User{Email: "a", EmailKey: "a", PasswordHash: "h", Role: support.RoleCustomer}
	tk := &support.Ticket{Title: "t", Description: "d"}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	tk.CustomerID = u.ID
	if err := db.CreateTicket(t.Context(), tk); err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			err := db.inTx(t.Context(), func(tx *sql.Tx) error {
				var read support.Ticket
				if err := scanTicket(tx.QueryRowContext(t.Context(), db.q.ticketByID, tk.ID), &read); err != nil {
					return err
				}
				_, err := tx.ExecContext(t.Context(), db.q.touchTicket, tk.ID, timestamp(time.Now()))
				return err
			})
			if err != nil {
				t.Errorf("read-then-write transaction: %v", err)
			}
		})
	}
	wg.Wait()
}
