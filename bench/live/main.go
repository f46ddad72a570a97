// Command live measures supportd's live notifications (issue 12): the memory a
// held WebSocket costs the server, and the delay from a message's write to its
// arrival on the owner's socket while messages are posted at a fixed rate.
//
// Three processes, so that /proc figures are supportd's alone:
//
//	this program   the sockets, the message poster, the sampler and the report
//	supportd       the real binary (go build ./cmd/supportd), configured from env
//	the database   PostgreSQL (a fresh database per run) or a SQLite file
//
// The customers and their tickets are written straight into the database with
// the store package before supportd starts, and their access tokens are signed
// here with the key and issuer config.Load derives from the same environment,
// so no password is hashed. Then:
//
//	phase 1  -conns sockets (GET /ws, one per customer) opened over -ramp and held;
//	         supportd's RSS, heap in use and goroutines before and with them all open
//	phase 2  for -duration, POST /tickets/{id}/messages at -rate (open loop), round-robin
//	         over the first -active customers' tickets; each "message" event a socket
//	         receives gives a delay: its arrival time - its created_at (same clock)
//
// With -writer store (PostgreSQL only) the messages are not posted to supportd
// but written the way a second supportd instance writes them: store.DB.AddMessage
// on the same tickets, as their customers, from -writers goroutines at the same
// open-loop -rate, each commit followed by a coalesced NotifyFeed sent one at a
// time (like internal/app/live.go's runFeedNotifier). The supportd under test is
// woken by its LISTEN exactly as by another instance; its HTTP write path, which
// saturates near 400 msg/s on 2 cores, is out of the measurement.
//
// Run from the module root:
//
//	go run ./bench/live                                   # SQLite, 10,000 sockets, 1,000 msg/s
//	go run ./bench/live -database-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//	go run ./bench/live -database-url '...' -rate 200
//	go run ./bench/live -database-url '...' -writer store -rate 1000
//
// With a postgres:// URL a fresh database is created on that server for the run
// and dropped after it (-keep keeps it). See docs/benchmarks.md ("Live
// notifications (issue 12)") for the method and figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
	"github.com/supportd/supportd/internal/config"
)

type options struct {
	conns       int
	active      int
	rate        int
	duration    time.Duration
	ramp        time.Duration
	settle      time.Duration
	drain       time.Duration
	maxInflight int
	writer      string
	writers     int
	quiet       float64
	quietWait   time.Duration
	dbURL       string
	bin         string
	keep        bool
	timeout     time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.conns, "conns", 10000, "WebSocket connections held, one per customer")
	flag.IntVar(&o.active, "active", 100, "customers whose tickets get messages (the first -active of -conns)")
	flag.IntVar(&o.rate, "rate", 1000, "messages posted per second (open loop)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long messages are posted")
	flag.DurationVar(&o.ramp, "ramp", 10*time.Second, "spread the opening of the sockets over this long")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "pause before each memory reading")
	flag.DurationVar(&o.drain, "drain", 10*time.Second, "after the last POST, wait at most this long for its events")
	flag.IntVar(&o.maxInflight, "max-inflight", 1000, "messages in flight (queued or being written) at most; a tick finding this many is skipped (and counted)")
	flag.StringVar(&o.writer, "writer", writerHTTP, "how messages are written: http (POST to supportd) or store (store.DB.AddMessage + NotifyFeed, as a second instance; PostgreSQL only)")
	flag.IntVar(&o.writers, "writers", 16, "-writer store: writer goroutines (the store's PostgreSQL pool holds 16 connections)")
	flag.Float64Var(&o.quiet, "quiet", 15, "before each phase, wait until the machine is at most this % busy...")
	flag.DurationVar(&o.quietWait, "quiet-wait", 2*time.Minute, "...but no longer than this")
	flag.StringVar(&o.dbURL, "database-url", "", "sqlite://PATH, or a postgres:// URL on whose server a fresh database is created (default: a SQLite file in the temp dir)")
	flag.StringVar(&o.bin, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the temp dir)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir and the PostgreSQL database")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "live:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	switch {
	case o.conns < 1 || o.active < 1 || o.active > o.conns:
		return errors.New("need 1 <= -active <= -conns")
	case o.rate < 1 || o.duration <= 0:
		return errors.New("-rate and -duration must be positive")
	case o.writer != writerHTTP && o.writer != writerStore:
		return fmt.Errorf("-writer must be %s or %s, not %q", writerHTTP, writerStore, o.writer)
	case o.writer == writerStore && !strings.HasPrefix(o.dbURL, "postgres://") && !strings.HasPrefix(o.dbURL, "postgresql://"):
		return errors.New("-writer store needs -database-url postgres://...: it plays a second supportd instance, " +
			"which SQLite cannot have (one instance per file, woken in process)")
	case o.writer == writerStore && o.writers < 1:
		return errors.New("-writers must be positive")
	}
	return nil
}

func run(o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "livebench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("machine: %d CPUs (nproc), %s; load average before the run: %s\n", runtime.NumCPU(), benchkit.CPUModel(), benchkit.LoadAvg())
	bin, err := benchkit.BuildSupportd(o.bin, dir)
	if err != nil {
		return err
	}
	db, err := benchkit.PrepareDB(ctx, o.dbURL, dir, "livebench", o.keep)
	if err != nil {
		return err
	}
	defer db.Drop()
	fmt.Println("database:", db.URL)

	env, err := serverEnv(o, db.URL, dir)
	if err != nil {
		return err
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	t := time.Now()
	customers, err := seed(ctx, db.URL, o.conns)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	tokens, err := benchkit.MintTokens(cfg, customers)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d customers with a ticket each (store package) and signed their tokens in %s\n", o.conns, time.Since(t).Round(time.Millisecond))

	sd, err := startSupportd(bin, dir, env)
	if err != nil {
		return err
	}
	defer sd.Stop()
	fmt.Printf("supportd: pid %d, %s, metrics on %s\n", sd.Pid(), sd.Base, env["METRICS_ADDR"])
	var sw *storeWriter
	if o.writer == writerStore {
		if sw, err = newStoreWriter(ctx, db.URL, o.writers, o.maxInflight); err != nil {
			return fmt.Errorf("store writer: %w", err)
		}
		defer sw.close()
		fmt.Printf("writer: store.DB.AddMessage from %d goroutines (own pool) + coalesced NotifyFeed, as a second instance\n", o.writers)
	}
	res, err := measure(ctx, o, sd, sw, customers, tokens)
	benchkit.PrintLogTail(sd.LogPath)
	if err != nil {
		return err
	}
	res.DB, res.Machine = db.Engine, fmt.Sprintf("%d CPUs, %s", runtime.NumCPU(), benchkit.CPUModel())
	res.summary()
	return nil
}

// measure runs the warm-up and both phases against a running supportd.
// With sw, the messages are written by it instead of posted to supportd.
func measure(ctx context.Context, o options, sd *supportdProc, sw *storeWriter, customers []benchkit.Customer, tokens []string) (results, error) {
	res := results{Options: o}
	targets := make([]target, o.active)
	for i := range targets {
		targets[i] = target{ticketID: customers[i].TicketID, userID: customers[i].UserID, token: tokens[i]}
	}
	poster := newPoster(sd.Base, o.maxInflight)
	send, dispatch := sendFunc(poster.post), (func(func()))(nil) // nil: a goroutine per message
	if sw != nil {
		send, dispatch = sw.send, sw.dispatch
	}
	if err := warmUp(ctx, sd.Base, send, targets, min(o.active, 20)); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	time.Sleep(o.settle)
	fmt.Printf("machine %.0f%% busy before phase 1\n", benchkit.WaitQuiet(o.quiet, o.quietWait))
	res.Base = sd.snapshot()
	fmt.Printf("phase 1: %d sockets, opened over %s; baseline: %s\n", o.conns, o.ramp, res.Base)

	f := newFleet(sd.Base)
	defer f.close()
	res.Open = f.open(ctx, tokens, o.ramp)
	time.Sleep(o.settle)
	res.Held = sd.snapshot()
	res.Client, _ = benchkit.ReadProc(os.Getpid())
	res.printPhase1()
	if res.Open.Opened == 0 {
		return res, errors.New("no socket opened")
	}

	fmt.Printf("phase 2: %d msg/s for %s over %d tickets (open loop, at most %d in flight, writer %s)\n", o.rate, o.duration, o.active, o.maxInflight, o.writer)
	res.BusyBefore = benchkit.WaitQuiet(o.quiet, o.quietWait)
	fmt.Printf("  machine %.0f%% busy before phase 2\n", res.BusyBefore)
	f.reset()
	var sent0, failed0 int64
	if sw != nil {
		sent0, failed0 = sw.notices()
	}
	res.Load = runLoad(ctx, send, dispatch, f, sd, targets, o)
	res.Events = f.result()
	if sw != nil {
		s, fl := sw.notices()
		res.Notices, res.NoticesFailed = s-sent0, fl-failed0
	}
	res.printPhase2()
	return res, nil
}
