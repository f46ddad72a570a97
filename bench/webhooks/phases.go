package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// latencyResult is phase 1's figures.
type latencyResult struct {
	Rate                     int
	Duration                 time.Duration
	Written, Failed, Skipped int
	WriteLatency             benchkit.Pcts // AddMessage's return - its scheduled time
	Received                 int           // ticket.message deliveries to the endpoint
	Others                   int           // deliveries of other event types
	Duplicates, Missing      int
	Unmatched, Unsigned      int           // message deliveries whose id was not written; without a signature
	Delay                    benchkit.Pcts // receipt - AddMessage's return (the commit)
	DelayCreatedAt           benchkit.Pcts // receipt - data.created_at
	OverOneSecond            int
	Buckets                  []benchkit.Pcts // the delay by 5 s of commit time
	DeliveryRate             float64         // deliveries ÷ (last receipt - first write)
	Attempts                 obsCounts
	Overlap                  bool // a `go test` ran during the phase
}

type obsCounts struct{ Delivered, Failed, Gone int64 }

func (o obsCounts) String() string {
	return fmt.Sprintf("%d delivered, %d failed, %d gone", o.Delivered, o.Failed, o.Gone)
}

func sum(obs []*observer) (c obsCounts) {
	for _, o := range obs {
		c.Delivered += o.delivered.Load()
		c.Failed += o.failed.Load()
		c.Gone += o.gone.Load()
	}
	return c
}

// latency is phase 1: one endpoint, one Service, messages at -rate for
// -duration; each delivery's delay from its message's commit.
func (b *bench) latency(ctx context.Context) (latencyResult, error) {
	o := b.o
	r := latencyResult{Rate: o.rate, Duration: o.duration}
	// The endpoint comes after the seed: the tickets' created events predate it
	// and are not sent to it.
	if err := b.addEndpoints(ctx, 1); err != nil {
		return r, err
	}
	obs, err := b.startServices(ctx, 1)
	if err != nil {
		return r, err
	}
	defer b.stopServices()
	time.Sleep(2 * time.Second) // River's client settles (leader election, the queue's first fetch)
	b.rcv.take()
	fmt.Printf("phase 1 (latency): %d msg/s for %s over %d tickets, 1 endpoint, 1 instance, load average %s\n",
		o.rate, o.duration, len(b.tickets), benchkit.LoadAvg())
	watch := watchLoad()
	writes, skipped := b.openLoop(ctx, o.rate, o.duration)
	r.Skipped = skipped
	committed := map[string]time.Time{}
	var wl []time.Duration
	for _, w := range writes {
		switch {
		case w.err != nil && w.err.Error() == "skipped":
		case w.err != nil:
			r.Failed++
			fmt.Println("  write failed:", w.err)
		default:
			r.Written++
			committed[w.id] = w.committed
			wl = append(wl, w.committed.Sub(w.scheduled))
		}
	}
	r.WriteLatency = benchkit.Percentiles(wl)
	dctx, cancel := context.WithTimeout(ctx, o.drain)
	b.rcv.await(dctx, r.Written)
	cancel()
	time.Sleep(time.Second) // time for a duplicate to show
	r.Overlap = watch.end()
	r.Attempts = sum(obs)
	got, dups, _ := b.rcv.take()
	r.Duplicates = dups
	var delays, fromCreated []time.Duration
	seen := map[string]bool{}
	buckets := map[int][]time.Duration{} // delays by 5 s of commit time since the first write
	for _, d := range got {
		if !d.signed {
			r.Unsigned++
		}
		if d.typ != "ticket.message" {
			r.Others++
			continue
		}
		r.Received++
		c, ok := committed[d.messageID]
		if !ok {
			r.Unmatched++
			continue
		}
		if seen[d.messageID] {
			continue // a duplicate: its first arrival counts
		}
		seen[d.messageID] = true
		delays = append(delays, d.at.Sub(c))
		if len(writes) > 0 {
			k := int(c.Sub(writes[0].scheduled) / (5 * time.Second))
			buckets[k] = append(buckets[k], d.at.Sub(c))
		}
		fromCreated = append(fromCreated, d.at.Sub(d.createdAt))
		if d.at.Sub(c) > time.Second {
			r.OverOneSecond++
		}
	}
	r.Missing = r.Written - len(seen)
	if len(got) > 1 && len(writes) > 0 {
		r.DeliveryRate = float64(len(got)) / got[len(got)-1].at.Sub(writes[0].scheduled).Seconds()
	}
	r.Delay, r.DelayCreatedAt = benchkit.Percentiles(delays), benchkit.Percentiles(fromCreated)
	for k := 0; k <= int(o.duration/(5*time.Second)); k++ {
		if ds := buckets[k]; len(ds) > 0 {
			r.Buckets = append(r.Buckets, benchkit.Percentiles(ds))
		}
	}
	return r, nil
}

func (r latencyResult) print() {
	fmt.Printf("  writes: %d ok, %d failed, %d skipped; AddMessage from its scheduled time p50 %sms p99 %sms max %sms\n",
		r.Written, r.Failed, r.Skipped, ms(r.WriteLatency.P50), ms(r.WriteLatency.P99), ms(r.WriteLatency.Max))
	fmt.Printf("  deliveries: %d message events received, %d duplicates, %d missing, %d unmatched, %d other types, %d unsigned; attempts: %s\n",
		r.Received, r.Duplicates, r.Missing, r.Unmatched, r.Others, r.Unsigned, r.Attempts)
	fmt.Printf("  commit → first attempt: p50 %sms p90 %sms p99 %sms max %sms (%d over 1 s); delivered at %.0f/s on average\n",
		ms(r.Delay.P50), ms(r.Delay.P90), ms(r.Delay.P99), ms(r.Delay.Max), r.OverOneSecond, r.DeliveryRate)
	fmt.Print("  delay by 5 s of commit time (p50/max ms):")
	for i, b := range r.Buckets {
		fmt.Printf(" %ds %s/%s", 5*i, ms(b.P50), ms(b.Max))
	}
	fmt.Println()
	fmt.Printf("  created_at → first attempt: p50 %sms p99 %sms max %sms; a go test ran during the phase: %v\n",
		ms(r.DelayCreatedAt.P50), ms(r.DelayCreatedAt.P99), ms(r.DelayCreatedAt.Max), r.Overlap)
}

// throughputResult is phase 2's figures.
type throughputResult struct {
	Backlog, Endpoints, Instances int
	WriteTook                     time.Duration // writing the backlog, delivery stopped
	Expected, Received            int           // distinct (endpoint, event) deliveries
	Duplicates, Others            int
	First, Half, All              time.Duration // from the Services' start
	Complete                      bool
	PerInstance                   []obsCounts
	Attempts                      obsCounts
	Overlap                       bool
	Busy                          int64 // backlog writes refused with SQLITE_BUSY (then tried again)
}

// rate is deliveries per second from the Services' start to the last.
func (r throughputResult) rate() float64 {
	if r.All <= 0 {
		return 0
	}
	return float64(r.Received) / r.All.Seconds()
}

// throughput is phase 2: the backlog written with delivery stopped, then the
// time -instances Services take to deliver it to -endpoints endpoints.
func (b *bench) throughput(ctx context.Context) (throughputResult, error) {
	o := b.o
	r := throughputResult{Backlog: o.backlog, Endpoints: o.endpoints, Instances: o.instances, Expected: o.backlog * o.endpoints}
	b.stopServices()
	if err := b.addEndpoints(ctx, o.endpoints); err != nil {
		return r, err
	}
	b.rcv.take()
	fmt.Printf("phase 2 (throughput): writing %d messages with delivery stopped...\n", o.backlog)
	t := time.Now()
	if err := b.writeBacklog(ctx, o.backlog); err != nil {
		return r, err
	}
	r.WriteTook = time.Since(t)
	r.Busy = b.busy.Load()
	fmt.Printf("  written in %s; delivering to %d endpoints with %d instances, load average %s\n",
		r.WriteTook.Round(time.Millisecond), o.endpoints, o.instances, benchkit.LoadAvg())
	watch := watchLoad()
	start := time.Now()
	obs, err := b.startServices(ctx, o.instances)
	if err != nil {
		return r, err
	}
	defer b.stopServices()
	wctx, cancel := context.WithTimeout(ctx, o.maxWait)
	var progress sync.WaitGroup
	progress.Go(func() {
		for first, half := true, true; wctx.Err() == nil; {
			n := b.rcv.distinct()
			if first && n > 0 {
				r.First, first = time.Since(start), false
			}
			if half && n >= r.Expected/2 {
				r.Half, half = time.Since(start), false
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	r.Complete = b.rcv.await(wctx, r.Expected)
	r.All = time.Since(start)
	cancel()
	progress.Wait()
	time.Sleep(2 * time.Second) // time for a duplicate to show
	r.Overlap = watch.end()
	for _, o := range obs {
		r.PerInstance = append(r.PerInstance, sum([]*observer{o}))
	}
	r.Attempts = sum(obs)
	got, dups, _ := b.rcv.take()
	r.Duplicates = dups
	distinct := map[string]bool{}
	for _, d := range got {
		if d.typ != "ticket.message" {
			r.Others++
			continue
		}
		distinct[fmt.Sprint(d.endpoint, "|", d.webhookID)] = true
	}
	r.Received = len(distinct)
	return r, nil
}

// writeBacklog writes n messages, 8 writers at once, round-robin over the pools.
func (b *bench) writeBacklog(ctx context.Context, n int) error {
	next := make(chan int)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := range next {
				for try := 0; errs[w] == nil; try++ {
					_, err := b.addMessage(ctx, b.pools[i%len(b.pools)], i)
					if err != nil && try < 5 && strings.Contains(err.Error(), "SQLITE_BUSY") {
						b.busy.Add(1) // the write lock was held past busy_timeout (5 s): noted, tried again
						fmt.Println("  backlog write:", err, "- trying again")
						continue
					}
					errs[w] = err
					break
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (r throughputResult) print() {
	fmt.Printf("  delivered %d of %d (complete: %v) in %s: %.0f deliveries/s; first after %sms, half after %s; %d duplicates, %d other types\n",
		r.Received, r.Expected, r.Complete, r.All.Round(time.Millisecond), r.rate(), ms(r.First), r.Half.Round(time.Millisecond), r.Duplicates, r.Others)
	fmt.Printf("  attempts: %s; per instance:", r.Attempts)
	for i, c := range r.PerInstance {
		fmt.Printf(" #%d %d", i, c.Delivered)
	}
	fmt.Printf("; a go test ran during the phase: %v; backlog written in %s (%d SQLITE_BUSY retried)\n", r.Overlap, r.WriteTook.Round(time.Millisecond), r.Busy)
}
