package delivery

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// pruneArgs is the hourly job that deletes attempts older than the retention.
// River's periodic jobs run it on the leader only, so instances do not repeat it.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "webhook_attempts_prune" }

type pruner struct {
	river.WorkerDefaults[pruneArgs]
	store     Store
	now       func() time.Time
	retention time.Duration
}

// pruneBatch bounds one delete statement, so pruning never holds long locks.
const pruneBatch = 5000

func (p *pruner) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	cutoff := p.now().Add(-p.retention)
	for {
		n, err := p.store.PruneWebhookAttempts(ctx, cutoff, pruneBatch)
		if err != nil || n < pruneBatch {
			return err
		}
	}
}
