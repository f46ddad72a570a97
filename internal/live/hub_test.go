package live_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/live"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// wait bounds every wait for an event; the wake-up path takes milliseconds.
const wait = 10 * time.Second

// fixture is a hub running on a fresh database of engine, with one ticket.
type fixture struct {
	db       *store.DB
	hub      *live.Hub
	customer *support.User
	ticket   *support.Ticket
}

func newFixture(t *testing.T, engine string, opts live.Options) *fixture {
	t.Helper()
	db := storetest.Open(t, engine)
	hub := live.New(db, opts)
	db.OnEventsCommitted(hub.Wake)
	u := &support.User{Email: uuid.NewString() + "@example.com", PasswordHash: "h", Role: support.RoleCustomer}
	u.EmailKey = u.Email
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	tk := &support.Ticket{CustomerID: u.ID, Title: "t", Description: "d"}
	if err := db.CreateTicket(t.Context(), tk); err != nil {
		t.Fatal(err)
	}
	// Started once the ticket's created event is in the feed, so that it is
	// history, not news (on PostgreSQL another test's running transaction can
	// hold it back for a moment).
	deadline := time.Now().Add(wait)
	for {
		head, err := db.FeedHead(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if head.ID > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &fixture{db: db, hub: hub, customer: u, ticket: tk}
}

// subscribe opens a subscription (waiting, as Subscribe does, for the hub to start).
func (f *fixture) subscribe(t *testing.T, a support.Actor, since int64) *live.Subscription {
	t.Helper()
	s, err := f.hub.Subscribe(t.Context(), a, since)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func (f *fixture) message(t *testing.T) {
	t.Helper()
	m := &support.Message{ID: uuid.NewString(), TicketID: f.ticket.ID, AuthorID: f.customer.ID, Sender: support.SenderUser, Content: "m"}
	if err := f.db.AddMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, s *live.Subscription) (support.FeedEvent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	return s.Next(ctx)
}

// TestSlowConsumerIsDropped: a subscriber that stops reading is dropped once
// its buffer is full; one that reads gets every event.
func TestSlowConsumerIsDropped(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, live.Options{Buffer: 2})
			staff := support.Actor{UserID: "agent", Role: support.RoleAgent}
			fast, slow := f.subscribe(t, staff, 0), f.subscribe(t, staff, 0)
			for range 4 {
				f.message(t)
				if _, err := next(t, fast); err != nil {
					t.Fatalf("the reading subscriber: %v", err)
				}
			}
			var err error
			for range 3 {
				if _, err = next(t, slow); err != nil {
					break
				}
			}
			if !errors.Is(err, live.ErrSlowConsumer) {
				t.Fatalf("the subscriber that did not read: %v", err)
			}
			if n := f.hub.Subscribers(); n != 1 {
				t.Errorf("%d subscribers left, want 1", n)
			}
		})
	}
}

// TestCloseUser ends the subscriptions of one user only.
func TestCloseUser(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, live.Options{})
			mine := f.subscribe(t, support.Actor{UserID: f.customer.ID, Role: support.RoleCustomer}, 0)
			other := f.subscribe(t, support.Actor{UserID: "someone", Role: support.RoleAgent}, 0)
			f.hub.CloseUser(f.customer.ID)
			if _, err := next(t, mine); !errors.Is(err, live.ErrSignedOut) {
				t.Fatalf("closed user: %v", err)
			}
			f.message(t)
			if e, err := next(t, other); err != nil || e.Type != support.EventMessage {
				t.Fatalf("other user: %+v %v", e, err)
			}
		})
	}
}

// TestReplayThenLive: a subscriber resuming from an old event gets what it
// missed and what happens during the replay, each once, in order.
func TestReplayThenLive(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, live.Options{Batch: 2})
			customer := support.Actor{UserID: f.customer.ID, Role: support.RoleCustomer}
			first := f.subscribe(t, customer, 0)
			f.message(t)
			seen, err := next(t, first)
			if err != nil {
				t.Fatal(err)
			}
			first.Close()
			for range 5 {
				f.message(t)
			}
			again := f.subscribe(t, customer, seen.ID)
			f.message(t)
			last := seen.Cursor
			for i := range 6 {
				e, err := next(t, again)
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if !last.Less(e.Cursor) {
					t.Fatalf("event %d at %+v after %+v: repeated or out of order", i, e.Cursor, last)
				}
				last = e.Cursor
			}
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			if e, err := again.Next(ctx); err == nil {
				t.Fatalf("an extra event %+v", e)
			}
		})
	}
}

// TestMaxReplay refuses a resume from further back than MaxReplay events.
func TestMaxReplay(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, live.Options{MaxReplay: 2, Batch: 2})
			staff := support.Actor{UserID: "agent", Role: support.RoleAgent}
			s := f.subscribe(t, staff, 0)
			for range 4 {
				f.message(t)
			}
			e, err := next(t, s)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := next(t, s); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.hub.Subscribe(t.Context(), staff, e.ID-1); !errors.Is(err, live.ErrTooFarBehind) {
				t.Fatalf("resume from 5 events back with MaxReplay 2: %v", err)
			}
		})
	}
}

// TestStreamsPerUser: one user may hold PerUser subscriptions; closing one
// makes room, and other users are not affected.
func TestStreamsPerUser(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, live.Options{PerUser: 2})
			ann := support.Actor{UserID: f.customer.ID, Role: support.RoleCustomer}
			first := f.subscribe(t, ann, 0)
			f.subscribe(t, ann, 0)
			if _, err := f.hub.Subscribe(t.Context(), ann, 0); !errors.Is(err, live.ErrTooManyStreams) {
				t.Fatalf("a third stream: %v", err)
			}
			f.subscribe(t, support.Actor{UserID: "someone else", Role: support.RoleAgent}, 0)
			first.Close()
			f.subscribe(t, ann, 0)
		})
	}
}

// TestEventsGoToStaffAndTheTicketsCustomerOnly: the hub's index by user hands
// an event to every staff subscription and to the ticket's customer's, once
// each (an agent with two streams gets it on both), and to no other customer.
func TestEventsGoToStaffAndTheTicketsCustomerOnly(t *testing.T) {
	f := newFixture(t, "sqlite", live.Options{})
	owner := f.subscribe(t, support.Actor{UserID: f.customer.ID, Role: support.RoleCustomer}, 0)
	agent := support.Actor{UserID: "agent", Role: support.RoleAgent}
	a1, a2 := f.subscribe(t, agent, 0), f.subscribe(t, agent, 0)
	stranger := f.subscribe(t, support.Actor{UserID: "someone-else", Role: support.RoleCustomer}, 0)
	f.message(t)
	for name, s := range map[string]*live.Subscription{"owner": owner, "agent 1": a1, "agent 2": a2} {
		if e, err := next(t, s); err != nil || e.Type != support.EventMessage {
			t.Fatalf("%s: %+v %v", name, e, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if e, err := stranger.Next(ctx); err == nil {
		t.Fatalf("another customer received %+v", e)
	}
	if st := f.hub.Stats(); st.Delivered != 3 || st.Streams != 4 {
		t.Errorf("stats %+v: want 3 deliveries to 4 streams", st)
	}
}
