package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// The retention prune deletes what is older than the cutoff, a batch at a
// time, and keeps the rest.
func TestDeleteAuditBefore(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		cutoff := t0.UTC().Truncate(time.Microsecond)
		for i, at := range []time.Time{cutoff.Add(-48 * time.Hour), cutoff.Add(-time.Hour), cutoff.Add(-time.Microsecond),
			cutoff.Add(-24 * time.Hour), cutoff.Add(-2 * time.Second), cutoff, cutoff.Add(time.Microsecond), cutoff.Add(time.Hour)} {
			e := &support.AuditEntry{At: at, Action: support.AuditLogin, TargetID: strings.Repeat("x", i+1)}
			if err := db.RecordAudit(t.Context(), e); err != nil {
				t.Fatal(err)
			}
		}
		var batches []int
		for range 5 {
			n, err := db.DeleteAuditBefore(t.Context(), cutoff, 2)
			if err != nil {
				t.Fatal(err)
			}
			batches = append(batches, n)
			if n < 2 {
				break
			}
		}
		if want := []int{2, 2, 1}; !slices.Equal(batches, want) {
			t.Fatalf("batches %v, want %v", batches, want)
		}
		kept, err := db.ListAudit(t.Context(), support.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 3 || !kept[2].At.Equal(cutoff) || !kept[0].At.Equal(cutoff.Add(time.Hour)) {
			t.Fatalf("kept %+v, want the 3 entries at or after the cutoff", kept)
		}
	})
}

// The prune's batch is found through audit_log_at_idx, not by reading the log.
func TestAuditPruneUsesIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if db.Engine() == "postgres" {
			explain = "EXPLAIN "
			for _, set := range []string{"enable_seqscan", "enable_bitmapscan"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatalf("SET %s: %v", set, err)
				}
			}
		}
		plan := queryPlan(t, conn, explain+db.AuditPruneQuery(), "2026-01-01T00:00:00.000000Z", 1000)
		if !strings.Contains(plan, "audit_log_at_idx") || strings.Contains(plan, "Seq Scan") {
			t.Fatalf("want audit_log_at_idx, no Seq Scan:\n%s", plan)
		}
	})
}
