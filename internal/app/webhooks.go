package app

import (
	"context"

	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/webhook/delivery"
	"github.com/supportd/supportd/internal/webhook/secretbox"
)

// newWebhooks builds the webhook endpoint service and the delivery that
// sends their events (issue 12): secrets sealed under a key derived from the
// JWT signing key, URLs checked against WEBHOOK_ALLOW_PRIVATE at registration
// and at every connection. Delivery runs from Start.
func newWebhooks(a *App, key string, opts Options) (*support.WebhookService, error) {
	box, err := secretbox.New([]byte(key))
	if err != nil {
		return nil, err
	}
	cfg := a.Config.Webhooks
	if n := len(cfg.AllowPrivate); n > 0 {
		a.Log.Info("webhooks: endpoints may have the addresses WEBHOOK_ALLOW_PRIVATE lists", "prefixes", n)
	}
	// opts.Resolver (tests) also feeds the delivery dialer's address check.
	policy := netguard.New(netguard.Options{Allow: cfg.AllowPrivate, Resolver: opts.Resolver})
	driver, err := a.DB.QueueDriver()
	if err != nil {
		return nil, err
	}
	a.delivery, err = delivery.New(delivery.Options{Store: a.DB, Driver: driver, Signer: support.WebhookSecrets{Sealer: box},
		Policy: policy, Observer: a.Metrics, Log: a.Log.With("component", "webhooks"), Workers: cfg.Workers,
		PollInterval: opts.WebhookPoll, RetryBase: opts.WebhookRetryBase, DisableAfter: cfg.DisableAfter,
		AttemptRetention: cfg.AttemptRetention, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return support.NewWebhookService(support.WebhookDeps{Store: a.DB, Deliveries: a.DB, Enqueuer: a.delivery, Sealer: box,
		Policy: policy, Resolver: opts.Resolver, Audit: a.Audit, Log: a.Log, Now: opts.Now, NewID: newID}), nil
}

// StartWebhooks runs webhook delivery on this instance: the dispatcher and the
// job queue's workers. Start calls it; a second call does nothing.
func (a *App) StartWebhooks(ctx context.Context) error {
	if a.deliveryStarted {
		return nil
	}
	if err := a.delivery.Start(ctx); err != nil {
		return err
	}
	a.deliveryStarted = true
	return nil
}

// wakeDelivery tells the dispatcher that events were committed.
func (a *App) wakeDelivery() { a.delivery.Wake() }

// stopDelivery lets deliveries in flight finish until ctx ends; those cut off
// are tried again by an instance still running or the next one to start.
func (a *App) stopDelivery(ctx context.Context) {
	if !a.deliveryStarted {
		return
	}
	a.deliveryStarted = false
	if err := a.delivery.Stop(ctx); err != nil {
		a.Log.Warn("stopping webhook delivery", "error", err)
	}
}
