package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// Writers: how phase 2 (and the warm-up) add a message to a ticket.
const (
	writerHTTP  = "http"  // POST /tickets/{id}/messages to the supportd under test
	writerStore = "store" // store.DB.AddMessage straight into its database, as a second instance would
)

// sendFunc adds a message to t's ticket as its customer; an error names what failed.
type sendFunc func(ctx context.Context, t target, content string) error

// storeWriter writes messages the way another supportd instance's commits
// reach this one: store.DB.AddMessage in a transaction of its own, then, like
// internal/app/live.go's runFeedNotifier, one coalesced NotifyFeed at a time
// after commits (those committed while a NOTIFY is on its way share the next).
// The supportd under test hears of them only through its LISTEN, as it would of
// another instance's.
type storeWriter struct {
	db      *store.DB
	jobs    chan func()
	wg      sync.WaitGroup // the writer goroutines
	notify  chan struct{}  // a pending notice, merged
	stopN   context.CancelFunc
	doneN   chan struct{}
	sent    atomic.Int64 // NOTIFYs sent
	failedN atomic.Int64
}

// newStoreWriter opens dbURL with the store package (its own pool, as another
// instance would have) and starts n writer goroutines and the notifier.
// queue bounds the messages waiting for a writer.
func newStoreWriter(ctx context.Context, dbURL string, n, queue int) (*storeWriter, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if db.Engine() != "postgres" {
		_ = db.Close()
		return nil, fmt.Errorf("-writer store needs PostgreSQL, not %s", db.Engine())
	}
	nctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w := &storeWriter{db: db, jobs: make(chan func(), queue), notify: make(chan struct{}, 1), stopN: stop, doneN: make(chan struct{})}
	db.OnEventsCommitted(func() {
		select {
		case w.notify <- struct{}{}:
		default:
		}
	})
	go func() {
		defer close(w.doneN)
		for {
			select {
			case <-nctx.Done():
				return
			case <-w.notify:
				if err := db.NotifyFeed(nctx); err != nil && nctx.Err() == nil {
					w.failedN.Add(1)
				} else {
					w.sent.Add(1)
				}
			}
		}
	}()
	for range n {
		w.wg.Go(func() {
			for job := range w.jobs {
				job()
			}
		})
	}
	return w, nil
}

// send is a sendFunc: one message by t's customer, in the caller's goroutine.
func (w *storeWriter) send(ctx context.Context, t target, content string) error {
	m := &support.Message{TicketID: t.ticketID, AuthorID: t.userID, Sender: support.SenderUser, Content: content}
	return w.db.AddMessage(ctx, m) // CreatedAt is stamped just before the transaction begins
}

// dispatch hands job to the writer goroutines; the caller bounds what is
// queued (runLoad's in-flight cap, which the queue's capacity matches).
func (w *storeWriter) dispatch(job func()) { w.jobs <- job }

// notices is how many NOTIFYs were sent and failed so far.
func (w *storeWriter) notices() (sent, failed int64) { return w.sent.Load(), w.failedN.Load() }

// close stops the writers once their queue is empty, then the notifier, and
// closes the pool. Callers have waited for their events first (runLoad's drain).
func (w *storeWriter) close() {
	close(w.jobs)
	w.wg.Wait()
	w.stopN()
	<-w.doneN
	_ = w.db.Close()
}
