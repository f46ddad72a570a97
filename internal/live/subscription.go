package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// startWait is how long Subscribe waits for a hub that has not started yet.
const startWait = 5 * time.Second

// Subscription is one client's view of the feed: the events its actor may
// see, in feed order, each once. Read them with Next; Close when the client
// leaves.
type Subscription struct {
	hub   *Hub
	actor support.Actor
	after support.FeedCursor // the client has seen everything up to here
	ready chan struct{}      // signalled when queue or err changes

	mu        sync.Mutex
	queue     []support.FeedEvent
	capacity  int  // unread events allowed before the client counts as slow
	replaying bool // live events wait in queue until the replay is in front of them
	err       error
}

// Subscribe opens a subscription for actor. With since > 0 (the id of the last
// event the client saw, on any instance) it first replays what the client
// missed, then continues live; with 0 it starts with the next event.
func (h *Hub) Subscribe(ctx context.Context, actor support.Actor, since int64) (*Subscription, error) {
	s := &Subscription{hub: h, actor: actor, ready: make(chan struct{}, 1), capacity: h.opts.Buffer, replaying: since > 0}
	if since > 0 {
		at, err := h.feed.FeedCursorOf(ctx, since)
		if errors.Is(err, support.ErrNotFound) {
			return nil, support.Errorf(support.CodeInvalid, "no event has id %d: reconnect without a cursor", since)
		}
		if err != nil {
			return nil, fmt.Errorf("live: cursor of event %d: %w", since, err)
		}
		s.after = at
	}
	// A request arriving while the instance starts waits for the hub a moment.
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(startWait):
	}
	h.mu.Lock()
	if !h.started || h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	if len(h.byUser[actor.UserID]) >= h.opts.PerUser {
		h.mu.Unlock()
		return nil, ErrTooManyStreams
	}
	until := h.pos
	if since == 0 {
		s.after = until
	}
	h.addLocked(s)
	h.mu.Unlock()
	if since > 0 {
		if err := s.replay(ctx, until); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// replay puts the events after s.after up to until in front of the queue.
func (s *Subscription) replay(ctx context.Context, until support.FeedCursor) error {
	var missed []support.FeedEvent
	from := s.after
	for from.Less(until) {
		f := s.actor.FeedFilterFor(support.FeedFilter{After: from, Until: until, HasUntil: true, Limit: s.hub.opts.Batch})
		page, err := s.hub.feed.Feed(ctx, f)
		if err != nil {
			return fmt.Errorf("live: replay: %w", err)
		}
		for i := range page {
			if s.actor.Sees(&page[i]) {
				missed = append(missed, page[i])
			}
		}
		if len(missed) > s.hub.opts.MaxReplay {
			return ErrTooFarBehind
		}
		if len(page) < f.Limit {
			break
		}
		from = page[len(page)-1].Cursor
	}
	s.mu.Lock()
	s.queue = append(missed, s.queue...)
	s.capacity += len(missed)
	s.replaying = false
	s.mu.Unlock()
	s.signal()
	return nil
}

// offer queues e unless the client has already seen it; false means the
// client is too far behind and must be dropped. The hub holds its lock.
func (s *Subscription) offer(e support.FeedEvent) bool {
	if !s.after.Less(e.Cursor) {
		return true // seen on another instance before this connection
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= s.capacity {
		return false
	}
	s.queue = append(s.queue, e)
	if !s.replaying {
		s.signal()
	}
	return true
}

// Next returns the next event, waiting for one; it fails once the subscription
// ended (ErrSlowConsumer, ErrSignedOut, ErrClosed) or ctx is done.
func (s *Subscription) Next(ctx context.Context) (support.FeedEvent, error) {
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return support.FeedEvent{}, err
		}
		if len(s.queue) > 0 && !s.replaying {
			e := s.queue[0]
			s.queue[0] = support.FeedEvent{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return e, nil
		}
		s.mu.Unlock()
		select {
		case <-s.ready:
		case <-ctx.Done():
			return support.FeedEvent{}, ctx.Err()
		}
	}
}

// Close ends the subscription; the hub stops queueing for it.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.dropLocked(s, ErrClosed) // nothing when it was dropped already
}

// end records why the subscription ended and wakes its reader.
func (s *Subscription) end(why error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = why
	}
	s.queue = nil
	s.mu.Unlock()
	s.signal()
}

func (s *Subscription) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}
