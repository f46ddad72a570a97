package app

import (
	"context"

	"github.com/supportd/supportd/internal/live"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// newLive builds the live notifications' hub (issue 12): this instance's
// commits wake it in process, other instances' through PostgreSQL (Start).
func newLive(a *App) httpLive {
	hub := live.New(a.DB, live.Options{Logger: a.Log})
	a.DB.OnEventsCommitted(hub.Wake)
	a.Auth.WatchAccounts(accountWatcher{hub: hub, db: a.DB, a: a})
	return httpLive{hub: hub, access: support.NewLiveAccess(a.DB, a.Auth)}
}

type httpLive struct {
	hub    *live.Hub
	access *support.LiveAccess
}

// accountWatcher ends the live streams of an account whose sessions ended or
// whose role or status changed: here at once, on other instances through a
// notification (StartLive's listener).
type accountWatcher struct {
	hub *live.Hub
	db  *store.DB
	a   *App
}

func (w accountWatcher) AccountChanged(ctx context.Context, userID string) {
	w.hub.CloseUser(userID)
	if err := w.db.NotifyAccountChanged(context.WithoutCancel(ctx), userID); err != nil {
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
		listened := make(chan struct{})
		go func() {
			defer close(listened)
			a.DB.Listen(lctx, hub.Wake, func(userID string) {
				hub.CloseUser(userID)
				a.Auth.ForgetAccount(userID)
			}, a.Log)
		}()
		if err := hub.Run(lctx); err != nil {
			a.Log.Error("live notifications stopped", "error", err)
		}
		stop()
		<-listened
	}()
}
