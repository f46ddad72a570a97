package store_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
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
		}
		index := map[string]string{
			"list-tickets":                "tickets_created_idx",
			"list-tickets-after":          "tickets_created_idx",
			"list-customer-tickets":       "tickets_customer_created_idx",
			"list-customer-tickets-after": "tickets_customer_created_idx",
			"messages-by-ticket":          "messages_ticket_created_idx",
			"events-after":                "ticket_events_ticket_idx",
			"events-after-public":         "ticket_events_ticket_idx",
		}
		conn, explain, avoid := planConn(t, db)
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

// TestQueueQueriesUseIndexes checks the agent queue's common listings (built by
// the store, migration 00009's indexes) the same way: each is an index scan in
// the requested order on PostgreSQL, with the planner told to avoid sequential
// scans, bitmap scans and sorts. A list of statuses or priorities is a filter
// on the order's index, so those queries still name the order index. Full text
// is checked apart: a GIN index is read by bitmap scans only. SQLite must use
// an index for each (its planner, on empty tables, may choose another one than
// PostgreSQL's, and may sort a few rows).
func TestQueueQueriesUseIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		after := &support.PageKey{CreatedAt: at, ID: "id", Rank: 3}
		open := []support.Status{support.StatusOpen}
		openPending := []support.Status{support.StatusOpen, support.StatusPending}
		urgentHigh := []support.Priority{support.PriorityUrgent, support.PriorityHigh}
		tests := []struct {
			name  string
			f     support.TicketFilter
			index string // on PostgreSQL; "a|b": either (on empty tables the planner may take either ordered index)
		}{
			{"status + created", support.TicketFilter{Statuses: open}, "tickets_status_created_idx"},
			{"status + created, after", support.TicketFilter{Statuses: open, After: after}, "tickets_status_created_idx"},
			{"status + updated", support.TicketFilter{Statuses: open, Sort: support.SortUpdated}, "tickets_status_updated_idx"},
			{"status + updated, after", support.TicketFilter{Statuses: open, Sort: support.SortUpdated, After: after}, "tickets_status_updated_idx"},
			{"status + priority", support.TicketFilter{Statuses: open, Sort: support.SortPriority}, "tickets_status_priority_idx"},
			{"updated", support.TicketFilter{Sort: support.SortUpdated}, "tickets_updated_idx"},
			{"statuses + updated", support.TicketFilter{Statuses: openPending, Sort: support.SortUpdated}, "tickets_updated_idx"},
			{"priority sort", support.TicketFilter{Sort: support.SortPriority}, "tickets_priority_idx"},
			{"priorities + priority sort, after", support.TicketFilter{Priorities: urgentHigh, Sort: support.SortPriority, After: after}, "tickets_priority_idx"},
			{"assignee + statuses + created", support.TicketFilter{AssigneeID: "agent", Statuses: openPending}, "tickets_assignee_created_idx"},
			{"assignee + status + updated", support.TicketFilter{AssigneeID: "agent", Statuses: open, Sort: support.SortUpdated}, "tickets_assignee_updated_idx"},
			{"unassigned + created", support.TicketFilter{Unassigned: true, Statuses: open}, "tickets_assignee_created_idx|tickets_status_created_idx"},
			{"tag + created", support.TicketFilter{Tag: "billing"}, "ticket_tags"},
			{"tag + updated", support.TicketFilter{Tag: "billing", Sort: support.SortUpdated}, "ticket_tags"},
			{"customer + updated", support.TicketFilter{CustomerID: "customer", Sort: support.SortUpdated}, "tickets_customer_updated_idx"},
			{"customer + status + created", support.TicketFilter{CustomerID: "customer", Statuses: open}, "tickets_customer_created_idx|tickets_status_created_idx"},
			{"created range", support.TicketFilter{CreatedAfter: at, CreatedBefore: at.Add(time.Hour), Sort: support.SortCreated, Priorities: urgentHigh}, "tickets_created_idx"},
			{"updated range", support.TicketFilter{UpdatedAfter: at, Sort: support.SortUpdated}, "tickets_updated_idx"},
		}
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		defer conn.Close()
		pg := db.Engine() == "postgres"
		explain := "EXPLAIN QUERY PLAN "
		if pg {
			explain = "EXPLAIN "
			for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatalf("SET %s: %v", set, err)
				}
			}
		}
		for _, tt := range tests {
			tt.f.Limit = 20
			query, args := db.QueueQuery(tt.f)
			plan := queryPlan(t, conn, explain+query, args...)
			switch {
			case pg && (!containsAny(plan, strings.Split(tt.index, "|")) || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort")):
				t.Errorf("%s: want %s, no Seq Scan, no Sort:\n%s", tt.name, tt.index, plan)
			case !pg && (strings.Contains(plan, "SCAN tickets\n") || !strings.Contains(plan, "INDEX")):
				t.Errorf("%s: want an index:\n%s", tt.name, plan)
			}
		}
		// Full text on SQLite: the FTS5 table. On PostgreSQL (ticket_search_pg.go):
		// the walk reads the order's index (plans as set above); the match set
		// comes from the GIN index (with sorts allowed: a bitmap scan has no order).
		f := support.TicketFilter{Query: "refund", Limit: 20}
		if !pg {
			query, args := db.QueueQuery(f)
			if plan := queryPlan(t, conn, explain+query, args...); !strings.Contains(plan, "VIRTUAL TABLE INDEX") {
				t.Errorf("full text: want the FTS5 table:\n%s", plan)
			}
			return
		}
		walk, walkArgs, matches, matchArgs := db.SearchQueries(f)
		if plan := queryPlan(t, conn, explain+walk, walkArgs...); !strings.Contains(plan, "tickets_created_idx") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("full-text walk: want tickets_created_idx:\n%s", plan)
		}
		for _, set := range []string{"enable_bitmapscan = on", "enable_sort = on", "enable_indexscan = off"} {
			if _, err := conn.ExecContext(t.Context(), "SET "+set); err != nil {
				t.Fatalf("SET %s: %v", set, err)
			}
		}
		if plan := queryPlan(t, conn, explain+matches, matchArgs...); !strings.Contains(plan, "tickets_search_idx") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("full-text matches: want tickets_search_idx:\n%s", plan)
		}
	})
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// planConn is a connection on which PostgreSQL avoids sequential scans, bitmap
// scans and sorts when it can, the EXPLAIN prefix of db's engine, and the plan
// steps a query served by an index in order must not have.
func planConn(t *testing.T, db *store.DB) (conn *sql.Conn, explain string, avoid []string) {
	t.Helper()
	conn, err := db.SQL().Conn(t.Context())
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	explain, avoid = "EXPLAIN QUERY PLAN ", []string{"TEMP B-TREE"}
	if db.Engine() == "postgres" {
		explain, avoid = "EXPLAIN ", []string{"Sort", "Seq Scan"}
		for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
			if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
				t.Fatalf("SET %s: %v", set, err)
			}
		}
	}
	return conn, explain, avoid
}
