package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/bench/internal/benchkit"
	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/webhook/delivery"
	"github.com/supportd/supportd/internal/webhook/signature"
)

// benchSecret signs the deliveries: the Standard Webhooks specification's example key.
const benchSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type staticSigner struct{ s signature.Secret }

func (s staticSigner) ActiveSecrets(*support.WebhookEndpoint, time.Time) ([]signature.Secret, error) {
	return []signature.Secret{s.s}, nil
}

// bench is the run's database pools (one per instance), tickets, receiver and
// running delivery Services.
type bench struct {
	o       options
	pools   []*store.DB
	tickets []string
	rcv     *receiver
	signer  staticSigner
	policy  *netguard.Policy
	logs    *logCounter
	log     *slog.Logger

	endpoints int          // registered so far
	busy      atomic.Int64 // backlog writes that met SQLITE_BUSY

	mu       sync.Mutex
	services []*delivery.Service
}

func newBench(ctx context.Context, o options, db benchkit.Database) (*bench, error) {
	secret, err := signature.ParseSecret(benchSecret)
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, rcv: newReceiver(), signer: staticSigner{secret}, logs: newLogCounter(os.Stderr),
		policy: netguard.New(netguard.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	b.log = slog.New(b.logs)
	for i := range o.instances {
		p, err := store.Open(ctx, db.URL)
		if err != nil {
			b.close()
			return nil, err
		}
		// As app/live.go: this instance's commits wake its dispatcher at
		// once, and the others through one NOTIFY; in one process the other
		// instances are woken directly.
		p.OnEventsCommitted(b.wakeAll)
		b.pools = append(b.pools, p)
		if i == 0 {
			if err := p.Migrate(ctx); err != nil {
				b.close()
				return nil, fmt.Errorf("migrate: %w", err)
			}
		}
	}
	t := time.Now()
	if b.tickets, err = seed(ctx, b.pools[0], o.tickets); err != nil {
		b.close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d customers with a ticket each in %s\n", o.tickets, time.Since(t).Round(time.Millisecond))
	return b, nil
}

func (b *bench) close() {
	b.stopServices()
	for _, p := range b.pools {
		_ = p.Close()
	}
	b.rcv.close()
}

func (b *bench) wakeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.services {
		s.Wake()
	}
}

// startServices runs a delivery Service on each of the first n pools, with
// production defaults (20 workers, 200 ms poll) but loopback allowed, and
// returns their observers.
func (b *bench) startServices(ctx context.Context, n int) ([]*observer, error) {
	obs := make([]*observer, n)
	for i := range n {
		driver, err := b.pools[i].QueueDriver()
		if err != nil {
			return nil, err
		}
		obs[i] = &observer{}
		svc, err := delivery.New(delivery.Options{Store: b.pools[i], Driver: driver, Signer: b.signer, Policy: b.policy,
			Observer: obs[i], Log: b.log.With("instance", i), Workers: b.o.workers})
		if err != nil {
			return nil, err
		}
		if err := svc.Start(ctx); err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.services = append(b.services, svc)
		b.mu.Unlock()
	}
	b.wakeAll() // as at start-up: look at the feed now
	return obs, nil
}

func (b *bench) stopServices() {
	b.mu.Lock()
	svcs := b.services
	b.services = nil
	b.mu.Unlock()
	for _, s := range svcs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "stop delivery:", err)
		}
		cancel()
	}
}

// addEndpoints registers endpoints until there are n, every event type.
func (b *bench) addEndpoints(ctx context.Context, n int) error {
	for ; b.endpoints < n; b.endpoints++ {
		now := time.Now().UTC()
		e := &support.WebhookEndpoint{ID: uuid.NewString(), URL: b.rcv.url(b.endpoints), Enabled: true,
			SecretSealed: "unused: the bench signs with a static secret", CreatedAt: now, UpdatedAt: now}
		if err := b.pools[0].CreateWebhookEndpoint(ctx, e, support.MaxWebhookEndpoints); err != nil {
			return fmt.Errorf("create endpoint: %w", err)
		}
	}
	return nil
}

// seed writes n customers with an open ticket each, 8 at a time, and returns
// the tickets' ids.
func seed(ctx context.Context, db *store.DB, n int) ([]string, error) {
	cs, err := benchkit.SeedInto(ctx, db, n, benchkit.SeedSpec{
		Email:       func(int) string { return fmt.Sprintf("wh-%s@example.com", uuid.NewString()) },
		Program:     "bench/webhooks",
		Title:       "Where is my parcel?",
		Description: "The tracking page has not moved.",
		Workers:     8,
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.TicketID
	}
	return out, nil
}

// write is one customer message: its id and when AddMessage returned.
type write struct {
	id        string
	scheduled time.Time
	committed time.Time
	err       error
}

// addMessage writes a customer message on ticket i (mod the tickets) through pool p.
func (b *bench) addMessage(ctx context.Context, p *store.DB, i int) (string, error) {
	t := b.tickets[i%len(b.tickets)]
	m := &support.Message{TicketID: t, Sender: support.SenderUser, Content: fmt.Sprintf("Any news? (%d)", i)}
	err := p.AddMessage(ctx, m)
	return m.ID, err
}

// openLoop writes rate messages a second for d through pool 0, each on its
// own goroutine at its scheduled time (at most maxInflight at once: a tick
// finding that many is skipped and counted).
func (b *bench) openLoop(ctx context.Context, rate int, d time.Duration) (writes []write, skipped int) {
	const maxInflight = 1000
	n := int(d.Seconds() * float64(rate))
	writes = make([]write, n)
	interval := time.Second / time.Duration(rate)
	var inflight atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		if inflight.Load() >= maxInflight {
			writes[i].err = errors.New("skipped")
			skipped++
			continue
		}
		inflight.Add(1)
		wg.Go(func() {
			defer inflight.Add(-1)
			id, err := b.addMessage(ctx, b.pools[0], i)
			writes[i] = write{id: id, scheduled: at, committed: time.Now(), err: err}
		})
	}
	wg.Wait()
	return writes, skipped
}
