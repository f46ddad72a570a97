package support

import (
	"context"
	"fmt"
	"time"
)

// auditPruneBatch bounds one DELETE of the retention prune, so that each
// statement is short and never holds many rows' locks or a long write
// transaction (SQLite has one writer).
const auditPruneBatch = 1000

// PruneAudit deletes the entries older than retention, auditPruneBatch at a
// time until fewer are left, and returns how many it deleted.
func (a *Auditor) PruneAudit(ctx context.Context, retention time.Duration) (int, error) {
	cutoff := a.now().UTC().Add(-retention)
	total := 0
	for {
		n, err := a.store.DeleteAuditBefore(ctx, cutoff, auditPruneBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("prune audit: %w", err)
		}
		if n < auditPruneBatch {
			return total, nil
		}
	}
}

// RunPruner prunes the audit log to retention at once and then every period,
// until ctx ends. Several instances may run it on one database: a batch that
// another already deleted is simply not found.
func (a *Auditor) RunPruner(ctx context.Context, retention, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		a.pruneOnce(ctx, retention)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *Auditor) pruneOnce(ctx context.Context, retention time.Duration) {
	n, err := a.PruneAudit(ctx, retention)
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.WarnContext(ctx, "pruning the audit log failed", "deleted", n, "err", err)
	case n > 0:
		a.log.InfoContext(ctx, "pruned the audit log", "deleted", n, "retention", retention.String())
	}
}
