package delivery

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/supportd/supportd/internal/support"
)

// dispatcher turns the feed into delivery jobs. It runs on every instance;
// the store's cursor row, locked in the transaction that reads the events and
// inserts their jobs, makes the instances take turns and each event's jobs
// exist exactly once, whether the process dies before, during or after.
type dispatcher struct {
	store  Store
	client *river.Client[*sql.Tx]
	log    *slog.Logger
	wake   chan struct{}
	poll   time.Duration // how often to look without being woken
	batch  int
}

// Wake asks for a look at the feed now: this instance or another committed
// events. Calls while one is pending merge.
func (d *dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run dispatches until ctx ends.
func (d *dispatcher) run(ctx context.Context) {
	ticker := time.NewTicker(d.poll)
	defer ticker.Stop()
	for {
		d.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-ticker.C:
		}
	}
}

// drain dispatches batches until the feed has no more settled events.
func (d *dispatcher) drain(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := d.store.DispatchWebhooks(ctx, d.batch, d.enqueue)
		if err != nil {
			if ctx.Err() == nil {
				d.log.WarnContext(ctx, "dispatching webhooks failed; retrying at the next poll", "error", err)
			}
			return
		}
		if n < d.batch {
			return
		}
	}
}

// enqueue inserts, in the dispatch transaction, a job for each event and each
// endpoint that takes it. An endpoint receives events that happened after it
// was registered, of the types it subscribed to, internal ones only if it is
// internal.
func (d *dispatcher) enqueue(ctx context.Context, tx *sql.Tx, events []support.WebhookEvent, endpoints []support.WebhookEndpoint) error {
	var jobs []river.InsertManyParams
	for i := range events {
		ev := &events[i]
		for j := range endpoints {
			ep := &endpoints[j]
			if ev.CreatedAt.Before(ep.CreatedAt) || !ep.Wants(&ev.Event) {
				continue
			}
			job, err := newJob(ev, ep, support.WebhookTriggerEvent)
			if err != nil {
				return err
			}
			jobs = append(jobs, job)
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	_, err := d.client.InsertManyTx(ctx, tx, jobs)
	return err
}

// newJob is the job that delivers ev to ep.
func newJob(ev *support.WebhookEvent, ep *support.WebhookEndpoint, trigger support.WebhookTrigger) (river.InsertManyParams, error) {
	body, err := NewPayload(ev, ep)
	if err != nil {
		return river.InsertManyParams{}, err
	}
	return river.InsertManyParams{Args: Args{EndpointID: ep.ID, EventID: ev.ID, Trigger: trigger, Body: body}}, nil
}
