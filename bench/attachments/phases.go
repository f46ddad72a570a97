package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// pcts are percentiles of a set of durations.
type pcts struct{ P50, P99, Max time.Duration }

func percentiles(ds []time.Duration) pcts {
	if len(ds) == 0 {
		return pcts{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return pcts{P50: q(0.5), P99: q(0.99), Max: s[len(s)-1]}
}

// throughput is one direction × file size, -clients at once for -duration.
type throughput struct {
	Dir       string // "upload" or "download"
	Size      int64
	Clients   int
	Files     int64
	Bytes     int64
	Errors    int64
	ErrSample string
	Elapsed   time.Duration // first request to the last answer
	Latency   pcts
	CPU       usage
	PeakRSS   int64 // KiB, sampled every 10 ms
	Others    string
}

func (t throughput) filesPerSec() float64 { return float64(t.Files) / t.Elapsed.Seconds() }
func (t throughput) mibPerSec() float64   { return float64(t.Bytes) / (1 << 20) / t.Elapsed.Seconds() }

// loop runs fn on n workers until d has passed (a request under way is
// finished, not cut) and gathers what they did.
func loop(ctx context.Context, sd *supportdProc, n int, d time.Duration, fn func(ctx context.Context, worker, i int) (int64, error)) throughput {
	var (
		mu   sync.Mutex
		res  throughput
		lats []time.Duration
		wg   sync.WaitGroup
	)
	s := startSampler(sd.Pid(), 10*time.Millisecond)
	cpu := startCPU(sd.Pid())
	t0 := time.Now()
	end := t0.Add(d)
	for w := range n {
		wg.Go(func() {
			for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
				ts := time.Now()
				b, err := fn(ctx, w, i)
				lat := time.Since(ts)
				mu.Lock()
				if err != nil {
					res.Errors++
					if res.ErrSample == "" {
						res.ErrSample = err.Error()
					}
				} else {
					res.Files++
					res.Bytes += b
					lats = append(lats, lat)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(t0)
	res.CPU = cpu.stop()
	res.PeakRSS, _, _ = s.end()
	res.Latency = percentiles(lats)
	res.Clients = n
	return res
}

// uploads measures -clients customers posting files of p's shape, each to
// its own ticket, and returns the files stored.
func uploads(ctx context.Context, o options, sd *supportdProc, cl *client, cs []customer, p *payload) (throughput, []uploaded) {
	var mu sync.Mutex
	var files []uploaded
	res := loop(ctx, sd, o.clients, o.duration, func(ctx context.Context, w, _ int) (int64, error) {
		u, err := cl.upload(ctx, cs[w], p, nil)
		if err != nil {
			return 0, err
		}
		mu.Lock()
		files = append(files, u)
		mu.Unlock()
		return u.size, nil
	})
	res.Dir, res.Size = "upload", p.size
	return res, files
}

// downloads measures -clients readers of the files the upload phase stored,
// each going round them from its own offset; every reader checks the SHA-256
// of its first file.
func downloads(ctx context.Context, o options, sd *supportdProc, cl *client, files []uploaded, size int64) throughput {
	res := loop(ctx, sd, o.clients, o.duration, func(ctx context.Context, w, i int) (int64, error) {
		f := files[(w*len(files)/o.clients+i)%len(files)]
		return cl.download(ctx, f, i == 0)
	})
	res.Dir, res.Size = "download", size
	return res
}

// memShot is supportd's RSS while -mem-concurrency uploads of one size run at once.
type memShot struct {
	Size      int64
	Mode      string // "burst": all sent at full speed at once; "paced": each sent over -pace
	Round     int
	BeforeKiB int64 // just before the uploads
	PeakKiB   int64 // the largest 10 ms sample while they ran
	Samples   int
	InFlight  int // the most uploads under way at one moment (client side)
	Took      time.Duration
	Errors    int
	ErrSample string
}

// burst sends n uploads of p's shape at once (one per customer, released
// together) and samples supportd's RSS until the last answer.
func burst(ctx context.Context, sd *supportdProc, cl *client, cs []customer, p *payload, n int, wrap func(io.Reader) io.Reader) memShot {
	shot := memShot{Size: p.size}
	shot.BeforeKiB, _ = benchkit.RSSKiB(sd.Pid())
	type span struct{ from, to time.Time }
	spans := make([]span, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, wg sync.WaitGroup
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			ready.Done()
			<-start
			spans[i].from = time.Now()
			_, errs[i] = cl.upload(ctx, cs[i], p, wrap)
			spans[i].to = time.Now()
		})
	}
	ready.Wait()
	s := startSampler(sd.Pid(), 10*time.Millisecond)
	t0 := time.Now()
	close(start)
	wg.Wait()
	shot.Took = time.Since(t0)
	time.Sleep(50 * time.Millisecond) // the answers' last allocations
	shot.PeakKiB, _, shot.Samples = s.end()
	for _, err := range errs {
		if err != nil {
			shot.Errors++
			if shot.ErrSample == "" {
				shot.ErrSample = err.Error()
			}
		}
	}
	// The most spans overlapping one moment: at each start, count those open.
	for _, a := range spans {
		k := 0
		for _, b := range spans {
			if !b.from.After(a.from) && b.to.After(a.from) {
				k++
			}
		}
		shot.InFlight = max(shot.InFlight, k)
	}
	return shot
}

// idle samples supportd's RSS every 10 ms for d with nothing to do.
func idle(sd *supportdProc, d time.Duration) (peak, last int64) {
	s := startSampler(sd.Pid(), 10*time.Millisecond)
	time.Sleep(d)
	peak, last, _ = s.end()
	return peak, last
}

// warmUp has every customer post one small file and read it back, one at a
// time: the connection pools and the code paths are warm, and nothing runs
// at once, before the idle baseline.
func warmUp(ctx context.Context, cl *client, cs []customer) error {
	p := newPayload(64 << 10)
	for _, c := range cs {
		u, err := cl.upload(ctx, c, p, nil)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		if _, err := cl.download(ctx, u, true); err != nil {
			return fmt.Errorf("download: %w", err)
		}
	}
	return nil
}
