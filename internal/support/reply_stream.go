package support

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"
)

// Event kinds of a reply stream, as in the contract.
const (
	EventDelta = "delta"
	EventDone  = "done"
	EventError = "error"
)

// StreamEvent is one Server-Sent Event of a reply. IDs count from 1 within a reply;
// the final event (done or error) has the last id.
type StreamEvent struct {
	ID   int
	Kind string
	Data json.RawMessage
}

// ErrKeepAlive is returned by ReplyStream.Next when nothing happened for the keep-alive period.
var ErrKeepAlive = errors.New("keep-alive")

// ErrNothingToResume means the client's Last-Event-ID is already the reply's last event.
var ErrNothingToResume = Errorf(CodeNotFound, "nothing to resume: the reply has ended")

// generation is the in-process log of one reply being generated. Subscribers read
// it from any position, so late joiners and reconnecting clients miss nothing.
//
// The deltas are kept only as the reply text and where each one ended (event id
// i+1 is content[ends[i-1]:ends[i]]); their events are built when read. Keeping
// an event with its own JSON per delta cost about 90 bytes per token for as long
// as the reply streamed, several times the text itself.
type generation struct {
	mu      sync.Mutex
	content []byte
	ends    []int
	final   *StreamEvent  // done or error; the log is complete once set
	wake    chan struct{} // closed and replaced whenever the log grows
}

func newGeneration() *generation { return &generation{wake: make(chan struct{})} }

// appendDelta appends a delta and returns its event id.
func (g *generation) appendDelta(delta string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.content = append(g.content, delta...)
	g.ends = append(g.ends, len(g.content))
	g.notify()
	return len(g.ends)
}

// finish appends the final event and returns it; the log is complete afterwards.
// It returns nil if the log was already complete.
func (g *generation) finish(kind string, data any) *StreamEvent {
	b, _ := json.Marshal(data) // event payloads are plain structs
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.final != nil {
		return nil
	}
	g.final = &StreamEvent{ID: len(g.ends) + 1, Kind: kind, Data: b}
	g.notify()
	return g.final
}

func (g *generation) notify() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// snapshot returns the text so far and where each delta ended.
func (g *generation) snapshot() (string, []int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return string(g.content), append([]int(nil), g.ends...)
}

// from returns the events after id after, whether the log is complete, and a
// channel closed when it grows.
func (g *generation) from(after int) ([]StreamEvent, bool, <-chan struct{}) {
	g.mu.Lock()
	// Bytes and ends already written never change (appends only add after them),
	// so the events can be built from these slices outside the lock.
	content, ends, final, wake := g.content, g.ends, g.final, g.wake
	g.mu.Unlock()
	after = max(after, 0)
	var evs []StreamEvent
	if n := len(ends) - after; n > 0 {
		evs = make([]StreamEvent, 0, n+1)
	}
	for i := after; i < len(ends); i++ {
		prev := 0
		if i > 0 {
			prev = ends[i-1]
		}
		evs = append(evs, StreamEvent{ID: i + 1, Kind: EventDelta, Data: deltaJSON(string(content[prev:ends[i]]))})
	}
	if final != nil && after < final.ID {
		evs = append(evs, *final)
	}
	return evs, final != nil, wake
}

func deltaJSON(delta string) json.RawMessage {
	b, _ := json.Marshal(struct {
		Content string `json:"content"`
	}{delta})
	return b
}

// ReplyStream is one client's view of a reply: it yields the events after the
// client's Last-Event-ID, then the live tail, then the final event.
type ReplyStream struct {
	last    int // id of the last event delivered
	pending []StreamEvent
	live    *generation  // in-process generation, or nil
	remote  *remoteReply // reply generated elsewhere, or nil
	done    bool
	staff   bool // sees the reply's accounting in its done event
	release func()
	once    sync.Once
	timer   *time.Timer // keep-alive timer, reused across Next calls
}

// ErrReplyUnavailable is a reply that failed before its first token: every provider
// was down or refused. Nothing was streamed, so it is an ordinary error response.
var ErrReplyUnavailable = &Error{Code: CodeUnavailable, RetryAfter: 10 * time.Second,
	Message: "the AI assistant is unavailable right now; please try again shortly"}

// Start waits up to hold for the stream's first event, so that a reply failing
// before any token (a misconfigured or unreachable provider usually fails within
// milliseconds) is reported as ErrReplyUnavailable rather than as a stream holding
// only an error event. Waiting costs the first token nothing: it goes out as soon
// as it exists. After hold, or once the first event is known, the stream starts.
func (s *ReplyStream) Start(ctx context.Context, hold time.Duration) error {
	deadline := time.Now().Add(hold)
	for len(s.pending) == 0 && !s.done {
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		err := s.fill(ctx, left)
		if errors.Is(err, ErrKeepAlive) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if len(s.pending) > 0 && s.pending[0].Kind == EventError && s.pending[0].ID == 1 {
		return ErrReplyUnavailable
	}
	return nil
}

// Buffered reports whether Next has an event ready without waiting, so that a
// writer can send a burst of events with a single flush.
func (s *ReplyStream) Buffered() bool { return len(s.pending) > 0 }

// Next returns the next event. It returns io.EOF after the final event and
// ErrKeepAlive when nothing arrived within keepAlive.
func (s *ReplyStream) Next(ctx context.Context, keepAlive time.Duration) (StreamEvent, error) {
	for len(s.pending) == 0 {
		if s.done {
			return StreamEvent{}, io.EOF
		}
		if err := s.fill(ctx, keepAlive); err != nil {
			return StreamEvent{}, err
		}
	}
	ev := s.pending[0]
	s.pending = s.pending[1:]
	s.last = ev.ID
	if ev.Kind == EventDone && !s.staff {
		ev.Data = customerDone(ev.Data)
	}
	if len(s.pending) == 0 && s.done {
		// The final event: the user's stream slot is free before the client sees it
		// end, so a client that opens its next stream at once is not refused.
		s.Close()
	}
	return ev, nil
}

func (s *ReplyStream) fill(ctx context.Context, keepAlive time.Duration) error {
	if s.live != nil {
		evs, finished, wake := s.live.from(s.last)
		if len(evs) > 0 || finished {
			s.pending, s.done = evs, finished
			return nil
		}
		return s.wait(ctx, wake, keepAlive)
	}
	if s.remote == nil {
		s.done = true
		return nil
	}
	return s.pollOnce(ctx, keepAlive)
}

// pollInterval is how often a stream of a reply generated by another instance
// re-reads the database when there is no relay.
const pollInterval = 500 * time.Millisecond

func (s *ReplyStream) pollOnce(ctx context.Context, keepAlive time.Duration) error {
	deadline := time.Now().Add(keepAlive)
	for time.Now().Before(deadline) {
		evs, finished, err := s.remote.next(ctx, s.last)
		if err != nil {
			return err
		}
		s.pending, s.done = evs, finished
		if len(s.pending) > 0 || finished {
			return nil
		}
		t := time.NewTimer(min(s.remote.pollEvery(), max(time.Until(deadline), 0)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return ErrKeepAlive
}

// wait blocks until the log grows, ctx ends or keepAlive passes. The timer is
// reused: a stream waits once per event, and a new timer each time was an
// allocation per token per client.
func (s *ReplyStream) wait(ctx context.Context, wake <-chan struct{}, keepAlive time.Duration) error {
	if s.timer == nil {
		s.timer = time.NewTimer(keepAlive)
	} else {
		s.timer.Reset(keepAlive) // Go 1.23+ timers: no stale tick after Stop or Reset
	}
	defer s.timer.Stop()
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.timer.C:
		return ErrKeepAlive
	}
}

// Close releases the client's stream slot. Generation goes on without it.
func (s *ReplyStream) Close() {
	s.once.Do(func() {
		if s.release != nil {
			s.release()
		}
	})
}

// replyEvents rebuilds the exact events of a stored reply from its content and
// chunk boundaries, plus its final event when it has ended.
func replyEvents(r *AIReply) ([]StreamEvent, bool) {
	evs := make([]StreamEvent, 0, len(r.ChunkEnds)+1)
	prev := 0
	for i, end := range r.ChunkEnds {
		if end < prev || end > len(r.Content) {
			break // corrupt boundaries: stop rather than panic
		}
		evs = append(evs, StreamEvent{ID: i + 1, Kind: EventDelta, Data: deltaJSON(r.Content[prev:end])})
		prev = end
	}
	switch r.Status {
	case ReplyCompleted:
		b, _ := json.Marshal(newDoneData(r))
		return append(evs, StreamEvent{ID: len(evs) + 1, Kind: EventDone, Data: b}), true
	case ReplyFailed:
		b, _ := json.Marshal(errorData{Detail: failureDetail(r.Error)})
		return append(evs, StreamEvent{ID: len(evs) + 1, Kind: EventError, Data: b}), true
	}
	return evs, false
}
