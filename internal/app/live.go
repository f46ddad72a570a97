package app

import (
	"context"
	"sync"

	"github.com/supportd/supportd/internal/live"
	"github.com/supportd/supportd/internal/support"
)

// newLive builds the live notifications' hub (issue 12) into a.Live and
// returns the service of their handshake tokens: this instance's commits wake
// the hub in process, other instances' through PostgreSQL (StartLive).
func newLive(a *App) *support.LiveAccess {
	a.Live = live.New(a.DB, live.Options{Logger: a.Log})
	a.feedNotifier = make(chan struct{}, 1)
	a.DB.OnEventsCommitted(func() {
		a.Live.Wake()
		a.wakeDelivery()
		select { // tell the other instances (runFeedNotifier), merging with a pending notice
		case a.feedNotifier <- struct{}{}:
		default:
		}
	})
	a.Auth.WatchAccounts(accountWatcher{a})
	return support.NewLiveAccess(a.DB, a.Auth)
}

// runFeedNotifier sends one NOTIFY at a time for this instance's commits of
// events: those that commit while one is on its way share the next, so under
// load the notices cost a few statements a second, whatever the write rate,
// and writers never wait for PostgreSQL's notify lock. Until ctx ends.
func (a *App) runFeedNotifier(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.feedNotifier:
			if err := a.DB.NotifyFeed(ctx); err != nil && ctx.Err() == nil {
				a.Log.WarnContext(ctx, "telling other instances of new events failed; they see them at their next poll", "error", err)
			}
		}
	}
}

// accountWatcher ends the live streams of an account whose sessions ended or
// whose role or status changed: here at once, on other instances through a
// notification (StartLive's listener).
type accountWatcher struct{ a *App }

func (w accountWatcher) AccountChanged(ctx context.Context, userID string) {
	w.a.Live.CloseUser(userID)
	if err := w.a.DB.NotifyAccountChanged(context.WithoutCancel(ctx), userID); err != nil {
		w.a.Log.WarnContext(ctx, "telling other instances of an account change failed; their live streams of it end within the actor cache's lifetime",
			"user_id", userID, "error", err)
	}
}

// StartLive runs the hub and, on PostgreSQL, the listener that wakes it when
// another instance commits events and ends streams of accounts changed there.
// Start calls it; a second call does nothing.
func (a *App) StartLive(ctx context.Context) {
	if a.stopLive != nil {
		return
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	a.stopLive, a.liveDone = stop, done
	hub := a.Live
	go func() {
		defer close(done)
		var helpers sync.WaitGroup
		helpers.Go(func() {
			a.DB.Listen(lctx, func() { hub.Wake(); a.wakeDelivery() }, func(userID string) {
				hub.CloseUser(userID)
				a.Auth.ForgetAccount(userID)
			}, a.Log)
		})
		if a.DB.Engine() == "postgres" {
			helpers.Go(func() { a.runFeedNotifier(lctx) })
		}
		if err := hub.Run(lctx); err != nil {
			a.Log.Error("live notifications stopped", "error", err)
		}
		stop()
		helpers.Wait()
	}()
}
