// Command attachments measures supportd's file attachments (issue 13): upload
// and download throughput of 1 MiB and 10 MiB files, and supportd's memory
// while many uploads run at once, which must not grow with the files' size
// (each file is streamed to the blob store, never held whole).
//
// Three processes, so that /proc figures are supportd's alone:
//
//	this program   the clients, the RSS sampler and the report
//	supportd       the real binary (go build ./cmd/supportd), configured from env;
//	               files go to its default blob store, a directory under DATA_DIR
//	the database   PostgreSQL (a fresh database per run) or a SQLite file
//
// Customers and their tickets are written straight into the database with the
// store package before supportd starts, and their access tokens are signed
// here with the key and issuer config.Load derives from the same environment.
// Then, on one supportd:
//
//	warm-up  each customer posts one 64 KiB file and reads it back, one at a time
//	memory   idle RSS (sampled every 10 ms for -idle); then -mem-rounds times,
//	         alternating the sizes, -mem-concurrency uploads released at once
//	         (burst), and once per size the same number each sent over -pace
//	         (paced: all of them in flight together for seconds); each gives the
//	         largest VmRSS sampled every 10 ms while they ran
//	throughput  per size: -clients customers upload for -duration (one file per
//	         POST, each to their own ticket), then -clients readers download the
//	         files just uploaded for -duration (SHA-256 checked on each reader's first)
//
// Run from the module root:
//
//	go run ./bench/attachments                          # SQLite in a temp dir
//	go run ./bench/attachments -database-url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// See docs/benchmarks.md ("Attachments (issue 13)") for the method and figures.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
	"github.com/supportd/supportd/internal/config"
)

type options struct {
	clients    int
	duration   time.Duration
	sizes      []int64
	memConc    int
	memRounds  int
	pace       time.Duration
	idle       time.Duration
	maxSize    int64
	quietWait  time.Duration
	dbURL      string
	bin        string
	keep       bool
	timeout    time.Duration
	skipMemory bool
	skipTput   bool
}

func main() {
	var o options
	var sizes string
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients in the throughput phases")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each throughput phase (per size and direction)")
	flag.StringVar(&sizes, "sizes", "1,10", "file sizes in MiB, comma-separated")
	flag.IntVar(&o.memConc, "mem-concurrency", 20, "uploads at once in the memory phase")
	flag.IntVar(&o.memRounds, "mem-rounds", 3, "bursts per size in the memory phase")
	flag.DurationVar(&o.pace, "pace", 4*time.Second, "how long each paced upload takes to send (0: no paced phase)")
	flag.DurationVar(&o.idle, "idle", 3*time.Second, "how long the idle RSS is sampled")
	flag.Int64Var(&o.maxSize, "max-size", 16<<20, "ATTACHMENT_MAX_SIZE given to supportd, in bytes")
	flag.DurationVar(&o.quietWait, "quiet-wait", 15*time.Minute, "before each phase, wait (polling every 20 s) at most this long while other benchmarks or go test run")
	flag.StringVar(&o.dbURL, "database-url", "", "sqlite://PATH, or a postgres:// URL on whose server a fresh database is created (default: a SQLite file in the temp dir)")
	flag.StringVar(&o.bin, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the temp dir)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (files included) and the PostgreSQL database")
	flag.DurationVar(&o.timeout, "timeout", 40*time.Minute, "bound on the whole run")
	flag.BoolVar(&o.skipMemory, "skip-memory", false, "skip the memory phase")
	flag.BoolVar(&o.skipTput, "skip-throughput", false, "skip the throughput phases")
	flag.Parse()
	for s := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "attachments: -sizes: not a size in MiB:", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, int64(n*(1<<20)))
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "attachments:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	for _, s := range o.sizes {
		if s > o.maxSize {
			return fmt.Errorf("a file of %d bytes is past -max-size %d", s, o.maxSize)
		}
	}
	if o.clients < 1 || o.memConc < 1 {
		return errors.New("-clients and -mem-concurrency must be positive")
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "attbench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("machine: %d CPUs (nproc), %s, %s; load average before the run: %s\n",
		runtime.NumCPU(), benchkit.CPUModel(), runtime.Version(), benchkit.LoadAvg())
	fmt.Printf("SHA-256 on one core here: %.0f MiB/s (the server hashes every byte it stores)\n", sha256Speed())
	bin, err := benchkit.BuildSupportd(o.bin, dir)
	if err != nil {
		return err
	}
	db, err := benchkit.PrepareDB(ctx, o.dbURL, dir, "attbench", o.keep)
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
	customers, err := seed(ctx, db.URL, max(o.clients, o.memConc))
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if err := mintTokens(cfg, customers); err != nil {
		return err
	}
	sd, err := startSupportd(bin, dir, env)
	if err != nil {
		return err
	}
	defer sd.Stop()
	fmt.Printf("supportd: pid %d, %s; files in %s/attachments\n", sd.Pid(), sd.Base, dir)
	cl := newClient(sd.Base, max(o.clients, o.memConc)+4)
	if err := warmUp(ctx, cl, customers); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	res := results{DB: db.Engine, Options: o}
	payloads := make(map[int64]*payload, len(o.sizes))
	for _, s := range o.sizes {
		payloads[s] = newPayload(s)
	}
	if !o.skipMemory {
		res.memory(ctx, sd, cl, customers, payloads)
	}
	if !o.skipTput {
		for _, s := range o.sizes {
			if ctx.Err() != nil {
				break
			}
			res.Others = note(res.Others, benchkit.WaitForOthers(o.quietWait, othersPatterns...))
			up, files := uploads(ctx, o, sd, cl, customers, payloads[s])
			up.Others = benchkit.OtherWork(othersPatterns...)
			res.Tput = append(res.Tput, up)
			up.print()
			if len(files) == 0 {
				continue
			}
			res.Others = note(res.Others, benchkit.WaitForOthers(o.quietWait, othersPatterns...))
			down := downloads(ctx, o, sd, cl, files, s)
			down.Others = benchkit.OtherWork(othersPatterns...)
			res.Tput = append(res.Tput, down)
			down.print()
		}
	}
	benchkit.PrintLogTail(sd.LogPath)
	du := diskUsage(dir + "/attachments")
	fmt.Printf("blob directory after the run: %s\n", du)
	res.summary()
	return ctx.Err()
}

// memory runs the idle baseline, the bursts and the paced uploads.
func (r *results) memory(ctx context.Context, sd *supportdProc, cl *client, cs []customer, payloads map[int64]*payload) {
	o := r.Options
	r.Others = note(r.Others, benchkit.WaitForOthers(o.quietWait, othersPatterns...))
	time.Sleep(2 * time.Second) // the warm-up's last frees
	r.IdlePeak, r.IdleLast = idle(sd, o.idle)
	fmt.Printf("memory: idle RSS %s MiB (largest of %s sampled every 10 ms)\n", mib(r.IdlePeak<<10), o.idle)
	for round := range o.memRounds {
		for _, s := range o.sizes {
			shot := burst(ctx, sd, cl, cs, payloads[s], o.memConc, nil)
			shot.Mode, shot.Round = "burst", round+1
			r.Mem = append(r.Mem, shot)
			shot.print(r.IdlePeak, o.memConc)
		}
	}
	if o.pace > 0 {
		for _, s := range o.sizes {
			shot := burst(ctx, sd, cl, cs, payloads[s], o.memConc, paced(float64(payloads[s].contentBytes)/o.pace.Seconds()))
			shot.Mode, shot.Round = "paced", 1
			r.Mem = append(r.Mem, shot)
			shot.print(r.IdlePeak, o.memConc)
		}
	}
	r.MemOthers = benchkit.OtherWork(othersPatterns...)
}

// note adds what ran beside a phase to what ran beside the earlier ones.
func note(all, now string) string {
	if now == "" || strings.Contains(all, now) {
		return all
	}
	return strings.TrimSpace(all + " " + now)
}

// sha256Speed is how fast one core hashes here, in MiB/s.
func sha256Speed() float64 {
	buf := make([]byte, 1<<20)
	h := sha256.New()
	t := time.Now()
	for range 128 {
		h.Write(buf)
	}
	return 128 / time.Since(t).Seconds()
}
