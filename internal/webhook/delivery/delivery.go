// Package delivery sends webhooks (issue 12): a dispatcher on every instance
// reads the ticket-event feed and enqueues one durable job per event and
// endpoint in River, in the database supportd already uses; River's workers,
// on any instance, send each job, signed as the Standard Webhooks
// specification says, and retry failures for about three days. Every attempt
// is recorded for the admins.
//
// Nothing lives only in memory: an event committed before a crash is
// dispatched by whichever instance runs next, and a job whose process died
// mid-attempt is picked up again once River sees it stuck (RescueAfter).
package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/support"
)

// Store is what delivery needs of the database.
type Store interface {
	support.WebhookDeliveryStore
	WebhookEndpointByID(ctx context.Context, id string) (*support.WebhookEndpoint, error)
	UpdateWebhookEndpoint(ctx context.Context, id string, change func(*support.WebhookEndpoint) error) (*support.WebhookEndpoint, error)
	// DispatchWebhooks reads up to limit events after the dispatch cursor
	// and, in the same transaction, hands them with the enabled endpoints to
	// enqueue, then advances the cursor; it returns how many events it read.
	DispatchWebhooks(ctx context.Context, limit int,
		enqueue func(ctx context.Context, tx *sql.Tx, events []support.WebhookEvent, endpoints []support.WebhookEndpoint) error) (int, error)
}

// Options configure a Service. Zero values take the defaults.
type Options struct {
	Store    Store
	Driver   riverdriver.Driver[*sql.Tx] // store.DB.QueueDriver
	Signer   Signer
	Policy   *netguard.Policy // which addresses deliveries may reach (WEBHOOK_ALLOW_PRIVATE)
	Observer Observer
	Log      *slog.Logger

	Workers      int           // deliveries in flight per instance; default 100
	PollInterval time.Duration // how often River looks for due jobs; default 200 ms
	RetryBase    time.Duration // the first retry's wait; default DefaultRetryBase
	// DisableAfter disables an endpoint whose deliveries have all failed for
	// this long (WEBHOOK_DISABLE_AFTER); default 5 days.
	DisableAfter time.Duration
	// AttemptRetention is how long attempts are listed before they are
	// pruned (WEBHOOK_ATTEMPT_RETENTION); default 30 days.
	AttemptRetention time.Duration
	// RescueAfter is when River takes a job still running for another try
	// (its process died); default 5 minutes, well past a job's timeout.
	RescueAfter time.Duration
	// RequestTimeout bounds one attempt; default RequestTimeout (15 s).
	RequestTimeout time.Duration
	Now            func() time.Time
}

// Defaults of Options.
const (
	// DefaultWorkers is how many deliveries one instance has in flight:
	// receivers are remote and slow, so many wait at once for little CPU
	// (bench/webhooks: 20 capped an instance near 200 deliveries/s).
	DefaultWorkers          = 100
	DefaultPollInterval     = 200 * time.Millisecond
	DefaultDisableAfter     = 5 * 24 * time.Hour
	DefaultAttemptRetention = 30 * 24 * time.Hour
	DefaultRescueAfter      = 5 * time.Minute
	dispatchBatch           = 500
	fetchCooldown           = 20 * time.Millisecond
	dispatchPoll            = time.Second
)

// Service runs webhook delivery on this instance: the dispatcher and River's
// workers.
type Service struct {
	client     *river.Client[*sql.Tx]
	dispatcher *dispatcher
	log        *slog.Logger
	stop       context.CancelFunc
	done       chan struct{}
}

// New wires a Service; Start runs it.
func New(o Options) (*Service, error) {
	o = withDefaults(o)
	w := &worker{store: o.Store, signer: o.Signer, client: o.Policy.Client(o.RequestTimeout), timeout: o.RequestTimeout, observer: o.Observer,
		log: o.Log, now: o.Now, retryBase: o.RetryBase, disableAfter: o.DisableAfter}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	river.AddWorker(workers, &pruner{store: o.Store, now: o.Now, retention: o.AttemptRetention})
	client, err := river.NewClient(o.Driver, &river.Config{
		Queues: map[string]river.QueueConfig{
			QueueName:          {MaxWorkers: o.Workers},
			river.QueueDefault: {MaxWorkers: 1},
		},
		Workers:           workers,
		FetchPollInterval: o.PollInterval,
		// A busy queue is fetched again as soon as workers free up, at most
		// every 20 ms (River's default 100 ms capped an instance at 10
		// fetches a second).
		FetchCooldown:        min(o.PollInterval, fetchCooldown),
		RescueStuckJobsAfter: o.RescueAfter,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
		Logger: quietLogger(o.Log),
	})
	if err != nil {
		return nil, fmt.Errorf("webhook delivery: %w", err)
	}
	d := &dispatcher{store: o.Store, client: client, log: o.Log, wake: make(chan struct{}, 1), poll: dispatchPoll, batch: dispatchBatch}
	return &Service{client: client, dispatcher: d, log: o.Log}, nil
}

func withDefaults(o Options) Options {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Policy == nil {
		o.Policy = netguard.New(netguard.Options{})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.PollInterval, DefaultPollInterval)
	def(&o.RetryBase, DefaultRetryBase)
	def(&o.DisableAfter, DefaultDisableAfter)
	def(&o.AttemptRetention, DefaultAttemptRetention)
	def(&o.RescueAfter, DefaultRescueAfter)
	def(&o.RequestTimeout, RequestTimeout)
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	return o
}

// quietLogger passes River's own warnings and errors on, not its chatter.
func quietLogger(log *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{log.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(attrs), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}

// Start runs River's workers and the dispatcher until Stop.
func (s *Service) Start(ctx context.Context) error {
	if s.stop != nil {
		return errors.New("webhook delivery: already started")
	}
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("webhook delivery: start job queue: %w", err)
	}
	dctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.done = stop, make(chan struct{})
	go func() {
		defer close(s.done)
		s.dispatcher.run(dctx)
	}()
	return nil
}

// Stop ends the dispatcher and lets jobs in flight finish until ctx ends,
// then cancels them (River tries them again later). Later calls do nothing.
func (s *Service) Stop(ctx context.Context) error {
	if s.stop == nil {
		return nil
	}
	s.stop()
	s.stop = nil
	<-s.done
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

// Wake tells the dispatcher that events were committed.
func (s *Service) Wake() { s.dispatcher.Wake() }

// Enqueue inserts deliveries of events to endpoint for an admin's
// redelivery or replay (the same webhook-id as the first delivery).
func (s *Service) Enqueue(ctx context.Context, endpoint *support.WebhookEndpoint, events []support.WebhookEvent, trigger support.WebhookTrigger) error {
	jobs := make([]river.InsertManyParams, 0, len(events))
	for i := range events {
		job, err := newJob(&events[i], endpoint, trigger)
		if err != nil {
			return err
		}
		jobs = append(jobs, job)
	}
	if len(jobs) == 0 {
		return nil
	}
	if _, err := s.client.InsertMany(ctx, jobs); err != nil {
		return fmt.Errorf("enqueue webhook deliveries: %w", err)
	}
	return nil
}
