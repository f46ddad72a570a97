package delivery_test

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
)

// openTwice opens two pools on one fresh PostgreSQL database: two instances.
func openTwice(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	if len(storetest.Engines(t)) < 2 {
		t.Skip("several instances need PostgreSQL; set " + storetest.EnvURL)
	}
	url := storetest.NewURL(t, "postgres")
	open := func() *store.DB {
		db, err := store.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		return db
	}
	return open(), open()
}

func TestTwoInstancesDeliverEachEventOnce(t *testing.T) {
	a, b := openTwice(t)
	fa := &fixture{db: a, customer: newCustomer(t, a)}
	a.OnEventsCommitted(start(t, a, testOptions(a)).Wake)
	b.OnEventsCommitted(start(t, b, testOptions(b)).Wake)

	rcv := newReceiver(t, ok)
	fa.endpoint(t, rcv.URL, false)
	fa.openTicket(t)
	fb := &fixture{db: b, customer: fa.customer, ticket: fa.ticket}
	const messages = 20
	for i := range messages {
		if i%2 == 0 {
			fa.message(t)
		} else {
			fb.message(t)
		}
	}
	got := rcv.await(t, messages+1)
	time.Sleep(500 * time.Millisecond) // time for a duplicate to show
	got = rcv.await(t, messages+1)
	seen := map[string]int{}
	for _, r := range got {
		seen[r.header.Get("webhook-id")]++
	}
	if len(got) != messages+1 || len(seen) != messages+1 {
		t.Errorf("%d deliveries of %d events; each must arrive once", len(got), len(seen))
	}
}

// An event committed while no instance delivers (the one that wrote it died
// at once) is delivered by the next instance that starts.
func TestEventsCommittedWithNoDeliveryRunningAreDelivered(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			f := &fixture{db: db, customer: newCustomer(t, db)}
			rcv := newReceiver(t, ok)
			f.endpoint(t, rcv.URL, false)
			f.openTicket(t)
			f.message(t)
			start(t, db, testOptions(db))
			got := rcv.await(t, 2)
			types := []string{decode(t, got[0].body).Type, decode(t, got[1].body).Type}
			slices.Sort(types)
			if !slices.Equal(types, []string{"ticket.created", "ticket.message"}) {
				t.Errorf("deliveries %v, want the ticket's created and message events", types)
			}
		})
	}
}

// A delivery cut off mid-request by its instance stopping is tried again,
// and delivered, by the other instance.
func TestDeliveryInterruptedOnOneInstanceIsFinishedByAnother(t *testing.T) {
	a, b := openTwice(t)
	var hang atomic.Bool
	hang.Store(true)
	release := make(chan struct{})
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) {
		if hang.Load() {
			<-release
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	defer close(release)
	f := &fixture{db: a, customer: newCustomer(t, a)}
	f.endpoint(t, rcv.URL, false)
	sa := start(t, a, testOptions(a))
	f.openTicket(t)
	rcv.await(t, 1) // instance A's attempt hangs in the receiver
	hang.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = sa.Stop(ctx) // cancels the attempt in flight
	start(t, b, testOptions(b))
	got := rcv.await(t, 2)
	if got[1].header.Get("webhook-id") != got[0].header.Get("webhook-id") {
		t.Error("the retry on the other instance changed the webhook-id")
	}
}
