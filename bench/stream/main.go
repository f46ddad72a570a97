// Command stream measures what supportd adds to AI reply streaming: time to first
// token over the upstream's own, CPU per streamed token and memory per open stream,
// with S concurrent Server-Sent Event streams against the fake Groq upstream
// (internal/llm/llmtest).
//
// Three processes, so that /proc figures are supportd's alone:
//
//	this program   the clients, the sampler and the report
//	upstream       the fake Groq server (this binary re-run with -role upstream)
//	supportd       the real binary (go build ./cmd/supportd), configured from env
//
// Run from the module root:
//
//	go run ./bench/stream -streams 1000 -tokens 100 -token-delay 50ms
//	go run ./bench/stream -streams 10000 -tokens 60 -token-delay 500ms -ramp 20s
//	go run ./bench/stream -streams 1000 -handoff   # the opt-in hand-off (STREAM_HANDOFF=true)
//
// See docs/benchmarks.md ("AI reply streaming") for the method and figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
	"github.com/supportd/supportd/internal/support"
)

type options struct {
	streams    int
	tokens     int
	tokenDelay time.Duration
	ramp       time.Duration
	probes     int
	probeGap   time.Duration
	warmup     int
	users      int
	db         string
	pgAdmin    string
	proto      string
	bin        string
	keep       bool
	skipDirect bool
	timeout    time.Duration
	jsonOut    string
	profDir    string
	handoff    bool
}

func main() {
	var o options
	role := flag.String("role", "bench", "internal: bench or upstream")
	dir := flag.String("dir", "", "internal: the upstream's working directory")
	flag.IntVar(&o.streams, "streams", 1000, "concurrent reply streams S")
	flag.IntVar(&o.tokens, "tokens", 100, "content tokens per scripted reply N")
	flag.DurationVar(&o.tokenDelay, "token-delay", 50*time.Millisecond, "upstream delay between tokens")
	flag.DurationVar(&o.ramp, "ramp", 0, "spread the opening of the S streams over this long (default 2ms per stream)")
	flag.IntVar(&o.probes, "probes", 100, "sequential probe streams opened once all S are open")
	flag.DurationVar(&o.probeGap, "probe-gap", 10*time.Millisecond, "pause between probe streams")
	flag.IntVar(&o.warmup, "warmup", 10, "streams opened (to their first token, then dropped) before the baseline reading")
	flag.IntVar(&o.users, "users", 100, "users owning the tickets (round-robin)")
	flag.StringVar(&o.db, "db", "postgres", "supportd's database: postgres or sqlite")
	flag.StringVar(&o.pgAdmin, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL to create a fresh database from")
	flag.StringVar(&o.proto, "upstream", "h2", "how supportd reaches the fake: h2 (HTTPS, HTTP/2, like api.groq.com) or h1 (plain HTTP/1.1, like the tests)")
	flag.StringVar(&o.bin, "supportd", "", "supportd binary (default: go build ./cmd/supportd into the temp dir)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir and database")
	flag.BoolVar(&o.skipDirect, "skip-direct", false, "skip the direct-to-upstream baseline phase")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON here")
	flag.StringVar(&o.profDir, "profile-dir", ".", "where profiles go when STREAMBENCH_PPROF is set (with -supportd set to a bench/profserve binary)")
	flag.BoolVar(&o.handoff, "handoff", os.Getenv("STREAM_HANDOFF") == "true",
		"write supportd's streams with the opt-in hand-off (STREAM_HANDOFF=true; default: net/http's own path, or $STREAM_HANDOFF)")
	flag.Parse()
	var err error
	if *role == "upstream" {
		err = runUpstream(o.tokens, o.tokenDelay, *dir)
	} else {
		err = runBench(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream:", err)
		os.Exit(1)
	}
}

func runBench(o options) error {
	if o.ramp == 0 {
		o.ramp = time.Duration(o.streams) * 2 * time.Millisecond
	}
	if o.proto != "h1" && o.proto != "h2" {
		return fmt.Errorf("-upstream must be h1 or h2")
	}
	life := time.Duration(o.tokens-1) * o.tokenDelay
	if need := o.ramp + time.Duration(o.probes)*(o.probeGap+5*time.Millisecond) + 2*time.Second; life < need {
		return fmt.Errorf("a reply lasts %s (tokens-1 × token-delay) but must outlast the ramp and probes (%s) to hold all streams open", life, need)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "streambench-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("machine: %d CPUs, %s; load average before the run: %s\n", runtime.NumCPU(), benchkit.CPUModel(), benchkit.LoadAvg())

	bin, err := benchkit.BuildSupportd(o.bin, dir)
	if err != nil {
		return err
	}

	up, upInfo, err := startUpstream(o, dir)
	if err != nil {
		return err
	}
	defer up.stop()
	upURL := upInfo.Plain
	var certPEM []byte
	if o.proto == "h2" {
		upURL = upInfo.TLS
		if certPEM, err = os.ReadFile(upInfo.Cert); err != nil {
			return err
		}
	}
	fmt.Printf("upstream: pid %d, %s (%s); reply: %d tokens, %s apart\n", upInfo.PID, upURL, o.proto, o.tokens, o.tokenDelay)

	dbURL := "sqlite://" + filepath.Join(dir, "supportd.db")
	if o.db == "postgres" {
		u, drop, err := benchkit.CreatePostgresDB(ctx, o.pgAdmin, "streambench")
		if err != nil {
			return fmt.Errorf("create database: %w", err)
		}
		if !o.keep {
			defer drop()
		}
		dbURL = u
	} else if o.db != "sqlite" {
		return fmt.Errorf("-db must be postgres or sqlite")
	}
	fmt.Println("database:", dbURL)

	total := o.warmup + o.streams + o.probes
	env := []string{
		"SUPPORTD_ENV=production", "DATABASE_URL=" + dbURL, "DATA_DIR=" + dir, "SECRET_KEY=" + benchkit.RandomHex(32),
		"GROQ_API_KEY=" + upstreamKey, "GROQ_BASE_URL=" + upURL, "AI_PROVIDERS=groq",
		"AI_CONCURRENT_STREAMS=" + strconv.Itoa(total), "AI_REPLIES_PER_HOUR=" + strconv.Itoa(10*total),
		"LOG_LEVEL=warn", "KB_SEED_SAMPLE=false", "ACCESS_TOKEN_EXPIRE_MINUTES=240",
		"STREAM_HANDOFF=" + strconv.FormatBool(o.handoff),
		// The benchmark is one client signing up and streaming far past a person's
		// quotas: the limiters still run (each request takes from a bucket), but never refuse.
		"RATE_LIMIT_USER=1000000000/1m", "RATE_LIMIT_IP=1000000000/1m", "RATE_LIMIT_SIGNUP=1000000000/1m",
		"RATE_LIMIT_LOGIN=1000000000/1m", "RATE_LIMIT_WRITE=1000000000/1m", "AI_REPLIES_PER_HOUR_GLOBAL=0",
		"PASSWORD_HASH_QUEUE=100000",
	}
	if o.proto == "h2" {
		env = append(env, "SSL_CERT_FILE="+upInfo.Cert)
	}

	// Seed through the API with a first instance, then measure a fresh one: the
	// password hashing of sign-up and log-in would otherwise sit in the baseline RSS.
	seedProc, err := startSupportd(bin, dir, env, "supportd-seed.log")
	if err != nil {
		return err
	}
	t := time.Now()
	ids, tokens, err := seed(apiClient{base: seedProc.Base, hc: &http.Client{Timeout: 30 * time.Second}}, o.users, total, 8)
	seedProc.Stop()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d users and %d tickets through the API in %s\n", o.users, total, time.Since(t).Round(time.Millisecond))

	res := results{Options: o, CPU: benchkit.CPUModel(), CPUs: runtime.NumCPU(), Proto: o.proto, DB: o.db, Path: streamPath(o.handoff)}

	// Phase A: the upstream's own time to first token, straight from a client.
	if !o.skipDirect {
		hc := &http.Client{Transport: upstreamTransport(certPEM, total)}
		body := chatRequestBody(support.DefaultSystemPrompt)
		var c counters
		mk := func() streamFunc { return directStream(hc, upURL, body, o.tokens, &c) }
		ph := phase{name: "direct", ramp: o.ramp, probeGap: o.probeGap, c: &c, upPID: upInfo.PID}
		for range o.warmup {
			ph.warm = append(ph.warm, mk())
		}
		for range o.streams {
			ph.main = append(ph.main, mk())
		}
		for range o.probes {
			ph.probes = append(ph.probes, mk())
		}
		fmt.Printf("phase A: %d streams straight to the upstream, opened over %s, then %d probes\n", o.streams, o.ramp, o.probes)
		res.Direct = ph.run(ctx)
		res.Direct.print()
		hc.CloseIdleConnections()
	}

	// Phase B: the same through supportd.
	sd, err := startSupportd(bin, dir, env, "supportd.log")
	if err != nil {
		return err
	}
	defer sd.Stop()
	hc := &http.Client{Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns: total, MaxIdleConnsPerHost: total, IdleConnTimeout: 2 * time.Minute, DisableCompression: true}}
	wantText := strings.Join(scriptedTokens(o.tokens), "")
	var c counters
	ph := phase{name: "supportd", ramp: o.ramp, probeGap: o.probeGap, c: &c, sdPID: sd.Pid(), upPID: upInfo.PID,
		pprof: os.Getenv("STREAMBENCH_PPROF"), profDir: o.profDir}
	for i := range total {
		f := supportdStream(hc, sd.Base, ids[i], tokens[i], o.tokens, wantText, &c)
		switch {
		case i < o.warmup:
			ph.warm = append(ph.warm, f)
		case i < o.warmup+o.streams:
			ph.main = append(ph.main, f)
		default:
			ph.probes = append(ph.probes, f)
		}
	}
	fmt.Printf("phase B: %d streams through supportd (pid %d, %s, %s path), opened over %s, then %d probes\n", o.streams, sd.Pid(), o.db,
		streamPath(o.handoff), o.ramp, o.probes)
	res.Supportd = ph.run(ctx)
	res.Supportd.print()
	if o.db == "postgres" {
		if err := breakdown(ctx, dbURL, ids[o.warmup:o.warmup+o.streams], res.Supportd.Main, "ramp"); err != nil {
			fmt.Println("  breakdown:", err)
		}
		_ = breakdown(ctx, dbURL, ids[o.warmup+o.streams:], res.Supportd.Probes, "probes")
	}
	benchkit.PrintLogTail(sd.LogPath)
	res.summary()
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// upstreamProc is the fake upstream child; closing its stdin ends it.
type upstreamProc struct {
	cmd   *exec.Cmd
	stdin io.Closer
}

func (u *upstreamProc) stop() {
	u.stdin.Close()
	done := make(chan struct{})
	go func() { _ = u.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = u.cmd.Process.Kill()
		<-done
	}
}

func startUpstream(o options, dir string) (*upstreamProc, upstreamInfo, error) {
	var info upstreamInfo
	self, err := os.Executable()
	if err != nil {
		return nil, info, err
	}
	cmd := exec.Command(self, "-role", "upstream", "-dir", dir, "-tokens", strconv.Itoa(o.tokens), "-token-delay", o.tokenDelay.String())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, info, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, info, err
	}
	if err := cmd.Start(); err != nil {
		return nil, info, err
	}
	up := &upstreamProc{cmd: cmd, stdin: stdin}
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		up.stop()
		return nil, info, fmt.Errorf("upstream: %w", err)
	}
	return up, info, nil
}

// phase opens streams at a steady pace, holds them, probes, and samples /proc.
type phase struct {
	name               string
	warm, main, probes []streamFunc
	ramp, probeGap     time.Duration
	c                  *counters
	sdPID, upPID       int    // sampled when non-zero
	pprof              string // STREAMBENCH_PPROF of bench/profserve: profiles are fetched when set
	profDir            string
}

// fetchProfile saves a pprof endpoint of bench/profserve into profDir, in the background.
func (p *phase) fetchProfile(wg *sync.WaitGroup, name, path string) {
	if p.pprof == "" {
		return
	}
	wg.Go(func() {
		resp, err := http.Get("http://" + p.pprof + path)
		if err != nil {
			fmt.Println("  profile:", err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(p.profDir, name))
		if err != nil {
			fmt.Println("  profile:", err)
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
		fmt.Println("  saved profile", f.Name())
	})
}

type sample struct {
	T        time.Duration `json:"t"` // since the first stream was opened
	SD, Up   benchkit.ProcStat
	FDs      int   `json:"fds"` // supportd's open files, every 5th sample (else -1)
	Busy     int64 // the whole machine's busy ticks
	Self     benchkit.ProcStat
	Open     int64
	Deltas   int64
	Finished int64
}

type phaseResult struct {
	Name       string
	Streams    int
	Main       []streamResult `json:"-"`
	Probes     []streamResult `json:"-"`
	Base       sample
	Samples    []sample
	AllOpen    time.Duration // since start: every main stream had its first token
	FirstEnd   time.Duration // since start: the first main stream ended
	AllEnd     time.Duration
	PeakOpen   int64
	TTFB       pcts
	ProbeTTFB  pcts
	Failures   int
	FailSample []string
	Derived    derived
}

// pcts are percentiles of a set of durations (this program's percentiles rounds
// to the nearest rank).
type pcts = benchkit.Pcts

type derived struct {
	BaseRSSKiB, PeakRSSKiB, HWMKiB int64
	OpenAtPeak                     int64
	KiBPerStream                   float64
	CPUUsPerTokenAll               float64 // whole phase, set-up of streams included
	CPUUsPerTokenHold              float64 // while all streams were open: tokens only
	TokensAll, TokensHold          int64
	CPUSecondsAll                  float64
	PeakFDs                        int
	UpCPUSecondsAll                float64
	SelfCPUSecondsAll              float64 // this program: the clients
	ForeignCPUSecondsAll           float64 // everything else on the machine (other benchmarks, the database)
	PhaseSeconds                   float64
}

func (p *phase) read() sample {
	s := sample{FDs: -1, Open: p.c.open.Load(), Deltas: p.c.deltas.Load(), Finished: p.c.finished.Load()}
	if p.sdPID != 0 {
		s.SD, _ = benchkit.ReadProc(p.sdPID)
	}
	if p.upPID != 0 {
		s.Up, _ = benchkit.ReadProc(p.upPID)
	}
	s.Busy = benchkit.BusyTicks()
	s.Self, _ = benchkit.ReadProc(os.Getpid())
	return s
}

func (p *phase) run(ctx context.Context) phaseResult {
	res := phaseResult{Name: p.name, Streams: len(p.main)}
	// Warm-up: connections, pools and code paths, run to the end.
	var wg sync.WaitGroup
	warmFailed := atomic.Int64{}
	// Warm-up streams are dropped after their first token (supportd carries on
	// generating those few replies in the background; see -warmup).
	for _, f := range p.warm {
		wg.Go(func() {
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var once sync.Once
			r := f(wctx, func() { once.Do(func() { time.AfterFunc(500*time.Millisecond, cancel) }) })
			if r.first.IsZero() {
				if warmFailed.Add(1) == 1 {
					fmt.Println("  warm-up stream failed:", r.err)
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(2 * time.Second)
	res.Base = p.read()
	if p.sdPID != 0 {
		res.Base.FDs = benchkit.CountFDs(p.sdPID)
	}

	var profs sync.WaitGroup
	defer profs.Wait()
	p.fetchProfile(&profs, p.name+"-ramp.cpu.pprof", fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(p.ramp.Seconds()))))
	start := time.Now()
	stopSampler := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopSampler:
				return
			case <-tk.C:
			}
			s := p.read()
			s.T = time.Since(start)
			if p.sdPID != 0 && i%5 == 0 {
				s.FDs = benchkit.CountFDs(p.sdPID)
			}
			res.Samples = append(res.Samples, s)
		}
	}()

	res.Main = make([]streamResult, len(p.main))
	res.Probes = make([]streamResult, len(p.probes))
	var firsts atomic.Int64
	allOpen := make(chan struct{})
	var firstEnd sync.Once
	var firstEndAt time.Time
	var allOpenAt time.Time
	for i, f := range p.main {
		if d := time.Until(start.Add(time.Duration(i) * p.ramp / time.Duration(len(p.main)))); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			var once sync.Once
			r := f(ctx, func() {
				once.Do(func() {
					if firsts.Add(1) == int64(len(p.main)) {
						allOpenAt = time.Now()
						close(allOpen)
					}
				})
			})
			firstEnd.Do(func() { firstEndAt = time.Now() })
			res.Main[i] = r
		})
	}
	select {
	case <-allOpen:
	case <-ctx.Done():
	}
	p.fetchProfile(&profs, p.name+"-hold.heap.pprof", "/debug/pprof/heap")
	p.fetchProfile(&profs, p.name+"-hold.memstats.txt", "/debug/pprof/heap?debug=1")
	p.fetchProfile(&profs, p.name+"-hold.goroutine.txt", "/debug/pprof/goroutine?debug=1")
	p.fetchProfile(&profs, p.name+"-hold.cpu.pprof", "/debug/pprof/profile?seconds=3")
	// Probes: one at a time while all S are open, each waiting for its first token.
	for i, f := range p.probes {
		if ctx.Err() != nil {
			break
		}
		got := make(chan struct{})
		wg.Go(func() {
			var once sync.Once
			res.Probes[i] = f(ctx, func() { once.Do(func() { close(got) }) })
		})
		select {
		case <-got:
		case <-time.After(10 * time.Second):
		}
		time.Sleep(p.probeGap)
	}
	wg.Wait()
	end := time.Now()
	close(stopSampler)
	<-samplerDone
	last := p.read()
	last.T = end.Sub(start)
	res.Samples = append(res.Samples, last)

	if !allOpenAt.IsZero() {
		res.AllOpen = allOpenAt.Sub(start)
	}
	res.FirstEnd = firstEndAt.Sub(start)
	res.AllEnd = end.Sub(start)
	res.PeakOpen = p.c.peak.Load()
	res.TTFB, res.ProbeTTFB = percentiles(res.Main), percentiles(res.Probes)
	for _, r := range slices.Concat(res.Main, res.Probes) {
		if r.err != nil || !r.done {
			res.Failures++
			if len(res.FailSample) < 5 {
				res.FailSample = append(res.FailSample, fmt.Sprint(r.err))
			}
		}
	}
	res.derive()
	return res
}

func percentiles(rs []streamResult) pcts {
	var ds []time.Duration
	for _, r := range rs {
		if !r.first.IsZero() {
			ds = append(ds, r.ttfb())
		}
	}
	slices.Sort(ds)
	if len(ds) == 0 {
		return pcts{}
	}
	at := func(q float64) time.Duration {
		i := int(q*float64(len(ds))+0.5) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return pcts{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ds[len(ds)-1], N: len(ds)}
}

func (r *phaseResult) derive() {
	d := &r.Derived
	d.BaseRSSKiB = r.Base.SD.RSSKiB
	last := r.Samples[len(r.Samples)-1]
	d.HWMKiB = last.SD.HWMKiB
	d.TokensAll = last.Deltas - r.Base.Deltas
	d.CPUSecondsAll = float64(last.SD.CPUTicks-r.Base.SD.CPUTicks) / benchkit.UserHZ
	d.UpCPUSecondsAll = float64(last.Up.CPUTicks-r.Base.Up.CPUTicks) / benchkit.UserHZ
	d.SelfCPUSecondsAll = float64(last.Self.CPUTicks-r.Base.Self.CPUTicks) / benchkit.UserHZ
	d.ForeignCPUSecondsAll = float64(last.Busy-r.Base.Busy)/benchkit.UserHZ - d.CPUSecondsAll - d.UpCPUSecondsAll - d.SelfCPUSecondsAll
	d.PhaseSeconds = r.AllEnd.Seconds()
	if d.TokensAll > 0 {
		d.CPUUsPerTokenAll = d.CPUSecondsAll * 1e6 / float64(d.TokensAll)
	}
	// Memory: the highest RSS sampled while every main stream was open.
	var first, lastHold *sample
	for i := range r.Samples {
		s := &r.Samples[i]
		if s.FDs > d.PeakFDs {
			d.PeakFDs = s.FDs
		}
		if s.Open >= int64(r.Streams) && s.SD.RSSKiB > d.PeakRSSKiB {
			d.PeakRSSKiB, d.OpenAtPeak = s.SD.RSSKiB, s.Open
		}
		if r.AllOpen > 0 && s.T >= r.AllOpen && s.T <= r.FirstEnd {
			if first == nil {
				first = s
			}
			lastHold = s
		}
	}
	if d.OpenAtPeak > 0 {
		d.KiBPerStream = float64(d.PeakRSSKiB-d.BaseRSSKiB) / float64(d.OpenAtPeak)
	}
	if first != nil && lastHold != first {
		d.TokensHold = lastHold.Deltas - first.Deltas
		if d.TokensHold > 0 {
			d.CPUUsPerTokenHold = float64(lastHold.SD.CPUTicks-first.SD.CPUTicks) / benchkit.UserHZ * 1e6 / float64(d.TokensHold)
		}
	}
}

func (r phaseResult) print() {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
	fmt.Printf("  %s: %d streams, peak open %d, all had a first token at %s, first ended at %s, all ended at %s\n",
		r.Name, r.Streams, r.PeakOpen, r.AllOpen.Round(time.Millisecond), r.FirstEnd.Round(time.Millisecond), r.AllEnd.Round(time.Millisecond))
	fmt.Printf("  TTFB (ramp, n=%d): p50 %s p90 %s p99 %s max %s\n", r.TTFB.N, ms(r.TTFB.P50), ms(r.TTFB.P90), ms(r.TTFB.P99), ms(r.TTFB.Max))
	fmt.Printf("  TTFB (probes at %d open, n=%d): p50 %s p90 %s p99 %s max %s\n", r.Streams, r.ProbeTTFB.N,
		ms(r.ProbeTTFB.P50), ms(r.ProbeTTFB.P90), ms(r.ProbeTTFB.P99), ms(r.ProbeTTFB.Max))
	fmt.Printf("  failures: %d %v\n", r.Failures, r.FailSample)
	d := r.Derived
	if r.Base.SD.RSSKiB > 0 {
		fmt.Printf("  supportd RSS: base %d KiB, peak with %d open %d KiB (HWM %d KiB) => %.1f KiB per open stream; peak fds %d (base %d)\n",
			d.BaseRSSKiB, d.OpenAtPeak, d.PeakRSSKiB, d.HWMKiB, d.KiBPerStream, d.PeakFDs, r.Base.FDs)
		fmt.Printf("  supportd CPU: %.2fs for %d tokens => %.1f µs/token (whole phase); %.1f µs/token while all open (%d tokens)\n",
			d.CPUSecondsAll, d.TokensAll, d.CPUUsPerTokenAll, d.CPUUsPerTokenHold, d.TokensHold)
	}
	fmt.Printf("  CPU over %.1fs: supportd %.2fs, upstream %.2fs, clients %.2fs, rest of the machine (database, other work) %.2fs; load average now %s\n",
		d.PhaseSeconds, d.CPUSecondsAll, d.UpCPUSecondsAll, d.SelfCPUSecondsAll, d.ForeignCPUSecondsAll, benchkit.LoadAvg())
}

type results struct {
	Options  options `json:"-"`
	CPU      string
	CPUs     int
	Proto    string
	DB       string
	Path     string // how supportd writes the streams: "default" or "handoff"
	Direct   phaseResult
	Supportd phaseResult
}

func (r results) summary() {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	a, b := r.Direct, r.Supportd
	fmt.Println()
	fmt.Printf("| S | path | upstream | db | TTFB p50/p99 direct (ms) | TTFB p50/p99 via supportd (ms) | added p50/p99 (ms) | probe added p50/p99 (ms) | CPU µs/token (hold / all) | KiB per stream | peak open | failures |\n")
	fmt.Printf("| %d | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s | %.1f / %.1f | %.1f | %d | %d |\n",
		b.Streams, r.Path, r.Proto, r.DB, ms(a.TTFB.P50), ms(a.TTFB.P99), ms(b.TTFB.P50), ms(b.TTFB.P99),
		ms(b.TTFB.P50-a.TTFB.P50), ms(b.TTFB.P99-a.TTFB.P99), ms(b.ProbeTTFB.P50-a.ProbeTTFB.P50), ms(b.ProbeTTFB.P99-a.ProbeTTFB.P99),
		b.Derived.CPUUsPerTokenHold, b.Derived.CPUUsPerTokenAll, b.Derived.KiBPerStream, b.PeakOpen, b.Failures)
}

// streamPath names how supportd writes reply streams in this run.
func streamPath(handoff bool) string {
	if handoff {
		return "handoff"
	}
	return "default"
}
