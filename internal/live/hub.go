// Package live pushes ticket events to the people connected through a
// WebSocket or an SSE stream (issue 12). One Hub per process reads the feed of
// the event log (support.FeedStore) from where it last was, whenever it is woken
// (a PostgreSQL notification, a local commit) and at least every poll interval,
// and hands each event to the subscribers allowed to see it. Since the log is
// the source of truth, a lost notification costs latency, never an event, and
// every instance behind a load balancer shows the same events with the same ids.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// Options tune a Hub; zero values take the defaults.
type Options struct {
	Poll      time.Duration // read the feed at least this often (default 1s)
	Batch     int           // events per read (default 500)
	Buffer    int           // events a subscriber may have unread before it is dropped (default 256)
	MaxReplay int           // events a resuming subscriber may replay (default 10,000)
	PerUser   int           // open subscriptions one user may hold (default 20)
	Logger    *slog.Logger
}

func (o *Options) defaults() {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.MaxReplay <= 0 {
		o.MaxReplay = 10_000
	}
	if o.PerUser <= 0 {
		o.PerUser = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Why a subscription ended, as Subscription.Err returns it.
var (
	ErrSlowConsumer = errors.New("live: the client did not keep up and was dropped")
	ErrSignedOut    = errors.New("live: the account's sessions ended (logout, deactivation or role change)")
	ErrTooFarBehind = errors.New("live: too many events to replay; reload and reconnect without a cursor")
	ErrClosed       = errors.New("live: the server is shutting down")
	// ErrTooManyStreams refuses a subscription past Options.PerUser.
	ErrTooManyStreams = errors.New("live: too many live streams open for this account")
)

// Hub fans the feed out to subscribers. Its zero value is not usable: see New.
type Hub struct {
	feed  support.FeedStore
	opts  Options
	wake  chan struct{}
	ready chan struct{} // closed once Run has read the feed's head

	mu      sync.Mutex
	pos     support.FeedCursor // the feed has been handed out up to here
	started bool
	closed  bool
	// Subscriptions are indexed so that an event is offered only to those
	// that may see it: staff (who see everything) and the ticket's customer.
	// Testing every subscription per event cost 10,000 checks an event with
	// 10,000 sockets open (bench/live).
	subs   int
	byUser map[string]map[*Subscription]struct{} // every open subscription, by its user
	staff  map[*Subscription]struct{}            // those of staff

	delivered atomic.Uint64 // events queued for a subscriber
	slow      atomic.Uint64 // subscribers dropped for falling behind
}

// Stats are the hub's figures for metrics.
type Stats struct {
	Streams   int    // open subscriptions
	Delivered uint64 // events queued for subscribers, since start
	Slow      uint64 // subscribers dropped for falling behind, since start
}

// Stats returns the hub's figures now.
func (h *Hub) Stats() Stats {
	return Stats{Streams: h.Subscribers(), Delivered: h.delivered.Load(), Slow: h.slow.Load()}
}

// New returns a Hub reading feed. Call Run before Subscribe.
func New(feed support.FeedStore, opts Options) *Hub {
	opts.defaults()
	return &Hub{feed: feed, opts: opts, wake: make(chan struct{}, 1), ready: make(chan struct{}),
		byUser: make(map[string]map[*Subscription]struct{}), staff: make(map[*Subscription]struct{})}
}

// Wake asks the hub to read the feed now; calls while a read is pending merge.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run reads the feed until ctx ends, then ends every subscription. It starts
// at the feed's head: events written before the hub started are for replays.
func (h *Hub) Run(ctx context.Context) error {
	head, err := h.feed.FeedHead(ctx)
	if err != nil {
		return fmt.Errorf("live: feed head: %w", err)
	}
	h.mu.Lock()
	h.pos, h.started = head, true
	h.mu.Unlock()
	close(h.ready)
	defer h.closeAll(ErrClosed)
	tick := time.NewTicker(h.opts.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.wake:
		case <-tick.C:
		}
		if err := h.catchUp(ctx); err != nil && ctx.Err() == nil {
			h.opts.Logger.WarnContext(ctx, "live: reading the feed failed; retrying at the next wake-up", "error", err)
		}
	}
}

// catchUp hands out every event after the hub's position, a batch at a time.
func (h *Hub) catchUp(ctx context.Context) error {
	for {
		h.mu.Lock()
		from := h.pos
		h.mu.Unlock()
		events, err := h.feed.Feed(ctx, support.FeedFilter{After: from, IncludeInternal: true, Limit: h.opts.Batch})
		if err != nil {
			return err
		}
		h.dispatch(events)
		if len(events) < h.opts.Batch {
			return nil
		}
	}
}

// dispatch offers events to every subscriber and moves the position past them,
// in one critical section: a subscriber registered before it gets all of them
// live, one registered after it replays them.
func (h *Hub) dispatch(events []support.FeedEvent) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range events {
		e := &events[i]
		for s := range h.staff {
			h.offerLocked(s, e)
		}
		for s := range h.byUser[e.CustomerID] {
			if !s.actor.Role.IsStaff() { // staff had it above
				h.offerLocked(s, e)
			}
		}
	}
	h.pos = events[len(events)-1].Cursor
}

// offerLocked queues e for s if s may see it, dropping s if it fell behind.
func (h *Hub) offerLocked(s *Subscription, e *support.FeedEvent) {
	if !s.actor.Sees(e) {
		return
	}
	if !s.offer(*e) {
		h.slow.Add(1)
		h.dropLocked(s, ErrSlowConsumer)
		return
	}
	h.delivered.Add(1)
}

// addLocked indexes a new subscription.
func (h *Hub) addLocked(s *Subscription) {
	set := h.byUser[s.actor.UserID]
	if set == nil {
		set = make(map[*Subscription]struct{})
		h.byUser[s.actor.UserID] = set
	}
	set[s] = struct{}{}
	if s.actor.Role.IsStaff() {
		h.staff[s] = struct{}{}
	}
	h.subs++
}

// CloseUser ends every subscription of userID: its sessions ended.
func (h *Hub) CloseUser(userID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.byUser[userID] {
		h.dropLocked(s, ErrSignedOut)
	}
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.subs
}

func (h *Hub) dropLocked(s *Subscription, why error) {
	set := h.byUser[s.actor.UserID]
	if _, ok := set[s]; !ok {
		return // already dropped
	}
	delete(set, s)
	if len(set) == 0 {
		delete(h.byUser, s.actor.UserID)
	}
	delete(h.staff, s)
	h.subs--
	s.end(why)
}

func (h *Hub) closeAll(why error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.byUser {
		for s := range set {
			h.dropLocked(s, why)
		}
	}
}
