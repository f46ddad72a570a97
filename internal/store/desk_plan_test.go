package store_test

import (
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/store"
)

// TestNoteQueriesUseIndex checks the notes' pages the way TestQueriesUseIndexes
// checks the lists: each is a walk of ticket_notes_ticket_idx in order, with no
// sort step (on PostgreSQL with sequential scans, bitmap scans and sorts off).
func TestNoteQueriesUseIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		args := map[string][]any{
			"notes-first": {"ticket", 10},
			"notes-after": {"ticket", "2026-01-01T00:00:00.000000Z", "id", 10},
		}
		conn, explain, avoid := planConn(t, db)
		for name, query := range db.NoteQueries() {
			plan := queryPlan(t, conn, explain+query, args[name]...)
			if !strings.Contains(plan, "ticket_notes_ticket_idx") || containsAny(plan, avoid) {
				t.Errorf("%s: want ticket_notes_ticket_idx, no %v:\n%s", name, avoid, plan)
			}
		}
	})
}
