package store_test

import (
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/store"
)

// TestKBQueriesUseIndexes checks that article pages come from the updated_at
// index without a sort, and that passage search goes through the full-text
// index (GIN on PostgreSQL, FTS5 on SQLite) rather than reading every passage.
func TestKBQueriesUseIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		at := "2026-01-01T00:00:00.000000Z"
		match := `"refund" OR "invoice"`
		explain, sortNode, want := "EXPLAIN QUERY PLAN ", "TEMP B-TREE", "VIRTUAL TABLE INDEX"
		if db.Engine() == "postgres" {
			explain, sortNode, want, match = "EXPLAIN ", "Sort", "kb_passages_tsv_idx", "refund invoice"
		}
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if db.Engine() == "postgres" {
			for _, set := range []string{"enable_seqscan", "enable_sort"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatal(err)
				}
			}
		}
		q := db.KBQueries()
		for name, args := range map[string][]any{"list-articles": {10}, "list-articles-after": {at, "id", 10}} {
			plan := queryPlan(t, conn, explain+q[name], args...)
			if !strings.Contains(plan, "kb_articles_updated_idx") || strings.Contains(plan, sortNode) {
				t.Errorf("%s does not read kb_articles_updated_idx in order:\n%s", name, plan)
			}
		}
		plan := queryPlan(t, conn, explain+q["search-passages"], match, 2, 5)
		if !strings.Contains(plan, want) {
			t.Errorf("search-passages does not use %s:\n%s", want, plan)
		}
	})
}
