// Command webhooks measures webhook delivery (issue 12): the delay from an
// event's commit to the receiver getting its first attempt while messages are
// written at a fixed rate, and the deliveries per second through a backlog.
//
// One process: the delivery Services (internal/webhook/delivery, production
// defaults: 100 workers, River polling every 200 ms), the writers (customer
// messages through store.AddMessage) and loopback httptest receivers that
// answer 200 at once. No supportd binary: the HTTP API is not in the path.
//
//	phase 1 (latency)     one endpoint; for -duration, AddMessage at -rate (open
//	                      loop) over -tickets tickets; delay = receipt - the
//	                      moment AddMessage returned (the commit), matched by
//	                      the message id in the payload's data.new
//	phase 2 (throughput)  delivery stopped, -endpoints endpoints; -backlog
//	                      messages written; then -instances Services start and
//	                      the clock runs until every endpoint has every event
//
// Run from the module root:
//
//	go run ./bench/webhooks                                   # SQLite file in a temp dir
//	go run ./bench/webhooks -database-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//	go run ./bench/webhooks -database-url '...' -endpoints 2 -instances 2
//
// With a postgres:// URL a fresh database is created on that server for the
// run and dropped after it. See docs/benchmarks.md ("Webhook delivery (issue
// 12)") for the method and figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

type options struct {
	dbURL     string
	rate      int
	duration  time.Duration
	tickets   int
	backlog   int
	endpoints int
	instances int
	drain     time.Duration
	maxWait   time.Duration
	testsWait time.Duration
	phases    string
	workers   int
	timeout   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.dbURL, "database-url", "", "a postgres:// URL on whose server a fresh database is created, or sqlite://PATH (default: a SQLite file in a temp dir)")
	flag.IntVar(&o.rate, "rate", 200, "phase 1: messages written per second (open loop)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "phase 1: how long messages are written")
	flag.IntVar(&o.tickets, "tickets", 300, "tickets the messages go to (round-robin), one customer each")
	flag.IntVar(&o.backlog, "backlog", 20000, "phase 2: messages written while delivery is stopped")
	flag.IntVar(&o.endpoints, "endpoints", 1, "phase 2: endpoints (each event goes to each)")
	flag.IntVar(&o.instances, "instances", 1, "phase 2: delivery Services, each on its own store.DB pool (PostgreSQL only)")
	flag.DurationVar(&o.drain, "drain", 30*time.Second, "phase 1: after the last write, wait at most this long for its deliveries")
	flag.DurationVar(&o.maxWait, "max-wait", 10*time.Minute, "phase 2: give up after this long")
	flag.DurationVar(&o.testsWait, "tests-wait", 10*time.Minute, "before each phase, wait up to this long while `pgrep -f \"go test\"` finds something")
	flag.IntVar(&o.workers, "workers", 0, "deliveries in flight per instance (delivery.Options.Workers; 0: the default, delivery.DefaultWorkers)")
	flag.StringVar(&o.phases, "phases", "latency,throughput", "which phases to run")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	switch {
	case o.rate < 1 || o.duration <= 0 || o.tickets < 1 || o.backlog < 1:
		return errors.New("-rate, -duration, -tickets and -backlog must be positive")
	case o.endpoints < 1 || o.instances < 1:
		return errors.New("-endpoints and -instances must be at least 1")
	}
	return nil
}

func run(o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "webhookbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := benchkit.PrepareDB(ctx, o.dbURL, dir, "webhookbench", false)
	if err != nil {
		return err
	}
	defer db.Drop()
	if o.instances > 1 && db.Engine != "postgres" {
		return errors.New("-instances > 1 needs PostgreSQL")
	}
	fmt.Printf("webhooks bench, %s\n", time.Now().UTC().Format("2006-01-02 15:04:05 UTC"))
	fmt.Printf("machine: %d CPUs (nproc), %s, %s; load average %s\n", runtime.NumCPU(), benchkit.CPUModel(), runtime.Version(), benchkit.LoadAvg())
	fmt.Println("database:", db.URL)

	b, err := newBench(ctx, o, db)
	if err != nil {
		return err
	}
	defer b.close()
	res := results{Options: o, Engine: db.Engine, Machine: fmt.Sprintf("%d CPUs, %s, %s", runtime.NumCPU(), benchkit.CPUModel(), runtime.Version())}
	if has(o.phases, "latency") {
		waitTests(o.testsWait)
		res.Latency, err = b.latency(ctx)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		res.Latency.print()
	}
	if has(o.phases, "throughput") {
		waitTests(o.testsWait)
		res.Throughput, err = b.throughput(ctx)
		if err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		res.Throughput.print()
	}
	res.Logs = b.logs.summary()
	res.summary()
	return nil
}
