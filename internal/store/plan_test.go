package store_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/store"
)

// TestQueriesUseIndexes checks each paginated query is answered from its index
// in the requested order, with no sort step. On PostgreSQL the planner is told
// to avoid sequential scans, bitmap scans and sorts, so a missing or unusable
// index still shows up as a Sort or Seq Scan node even on tiny tables.
func TestQueriesUseIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		at := "2026-01-01T00:00:00.000000Z"
		args := map[string][]any{
			"list-tickets":                {10},
			"list-tickets-after":          {at, "id", 10},
			"list-customer-tickets":       {"customer", 10},
			"list-customer-tickets-after": {"customer", at, "id", 10},
			"messages-by-ticket":          {"ticket"},
			"events-after":                {"ticket", 0, 10},
			"events-after-public":         {"ticket", 0, 10},
			"notes-by-ticket":             {"ticket"},
		}
		index := map[string]string{
			"list-tickets":                "tickets_created_idx",
			"list-tickets-after":          "tickets_created_idx",
			"list-customer-tickets":       "tickets_customer_created_idx",
			"list-customer-tickets-after": "tickets_customer_created_idx",
			"messages-by-ticket":          "messages_ticket_created_idx",
			"events-after":                "ticket_events_ticket_idx",
			"events-after-public":         "ticket_events_ticket_idx",
			"notes-by-ticket":             "ticket_notes_ticket_idx",
		}
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		defer conn.Close()
		explain, avoid := "EXPLAIN QUERY PLAN ", []string{"TEMP B-TREE"}
		if db.Engine() == "postgres" {
			explain, avoid = "EXPLAIN ", []string{"Sort", "Seq Scan"}
			for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatalf("SET %s: %v", set, err)
				}
			}
		}
		for name, query := range db.ListQueries() {
			plan := queryPlan(t, conn, explain+query, args[name]...)
			if !strings.Contains(plan, index[name]) {
				t.Errorf("%s does not use %s:\n%s", name, index[name], plan)
			}
			for _, bad := range avoid {
				if strings.Contains(plan, bad) {
					t.Errorf("%s plan has %q:\n%s", name, bad, plan)
				}
			}
		}
	})
}

// queryPlan runs an EXPLAIN and returns its rows as text, whatever the columns.
func queryPlan(t *testing.T, conn *sql.Conn, query string, args ...any) string {
	t.Helper()
	rows, err := conn.QueryContext(t.Context(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("columns: %v", err)
	}
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan plan: %v", err)
		}
		fmt.Fprintln(&plan, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("plan rows: %v", err)
	}
	return plan.String()
}
