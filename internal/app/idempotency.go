package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/supportd/supportd/internal/idempotency"
	"github.com/supportd/supportd/internal/store"
)

// idempotencyPruneEvery is how often expired idempotency keys are deleted.
const idempotencyPruneEvery = time.Hour

// newIdempotency is the keeper of Idempotency-Key for the HTTP layer, on the
// app's clock so that tests can move past a key's 24 hours.
func newIdempotency(db *store.DB, log *slog.Logger, now func() time.Time) *idempotency.Keeper {
	return idempotency.New(db, idempotency.Options{Now: now, Log: log})
}

// startIdempotencyPruner deletes the expired idempotency keys now and then
// every idempotencyPruneEvery, in batches, until ctx ends or Close. Every
// instance runs it: concurrent prunes delete each key once.
func (a *App) startIdempotencyPruner(ctx context.Context) {
	keeper := a.Server.Idempotency()
	if keeper == nil {
		return
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	a.stopIdempotencyPruner, a.idempotencyPrunerDone = stop, done
	go func() {
		defer close(done)
		keeper.RunPruner(pctx, idempotencyPruneEvery)
	}()
}
