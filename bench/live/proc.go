package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const userHZ = 100

// procStat is one reading of a process's counters from /proc.
type procStat struct {
	CPUTicks int64 // utime + stime
	RSSKiB   int64 // VmRSS
	Threads  int64
}

func readProc(pid int) (procStat, error) {
	var st procStat
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	if len(f) < 13 {
		return st, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	st.CPUTicks = ut + stt
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			st.RSSKiB = n
		case "Threads":
			st.Threads = n
		}
	}
	return st, nil
}

// snapshot is supportd's memory at one moment: /proc and its Prometheus metrics.
type snapshot struct {
	procStat
	FDs        int
	Goroutines float64 // go_goroutines; -1 when the metrics did not answer
	HeapInuse  float64 // go_memstats_heap_inuse_bytes
}

func (p *supportdProc) snapshot() snapshot {
	s := snapshot{Goroutines: -1, HeapInuse: -1}
	s.procStat, _ = readProc(p.pid())
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid())); err == nil {
		s.FDs = len(ents)
	}
	m := scrape(p.metrics, "go_goroutines", "go_memstats_heap_inuse_bytes")
	if v, ok := m["go_goroutines"]; ok {
		s.Goroutines = v
	}
	if v, ok := m["go_memstats_heap_inuse_bytes"]; ok {
		s.HeapInuse = v
	}
	return s
}

func (s snapshot) String() string {
	return fmt.Sprintf("RSS %.1f MiB, heap in use %.1f MiB, %.0f goroutines, %d threads, %d fds",
		float64(s.RSSKiB)/1024, s.HeapInuse/(1<<20), s.Goroutines, s.Threads, s.FDs)
}

// scrape reads the named unlabelled metrics from a Prometheus /metrics page.
func scrape(addr string, names ...string) map[string]float64 {
	out := map[string]float64{}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if ok && slices.Contains(names, name) {
			if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				out[name] = v
			}
		}
	}
	return out
}

// usage is the CPU and memory spent over an interval.
type usage struct {
	Seconds    float64
	SupportdS  float64 // supportd's CPU-seconds
	SelfS      float64 // this program's: the sockets and the poster
	DatabaseS  float64 // every process named postgres (0 on SQLite)
	RestS      float64 // everything else on the machine: other work
	PeakRSSKiB int64   // supportd's, sampled every 250 ms
	EndRSSKiB  int64
}

// meter samples supportd's RSS until stop, which returns the interval's usage.
type meter struct {
	pid      int
	t0       time.Time
	sd, self procStat
	busy, pg int64
	done     chan struct{}
	peak     chan int64
}

func startMeter(pid int) *meter {
	m := &meter{pid: pid, t0: time.Now(), busy: busyTicks(), pg: postgresTicks(), done: make(chan struct{}), peak: make(chan int64)}
	m.sd, _ = readProc(pid)
	m.self, _ = readProc(os.Getpid())
	go func() {
		peak := m.sd.RSSKiB
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if st, err := readProc(pid); err == nil {
					peak = max(peak, st.RSSKiB)
				}
			case <-m.done:
				m.peak <- peak
				return
			}
		}
	}()
	return m
}

func (m *meter) stop() usage {
	close(m.done)
	sd, _ := readProc(m.pid)
	self, _ := readProc(os.Getpid())
	u := usage{Seconds: time.Since(m.t0).Seconds(), PeakRSSKiB: max(<-m.peak, sd.RSSKiB), EndRSSKiB: sd.RSSKiB,
		SupportdS: float64(sd.CPUTicks-m.sd.CPUTicks) / userHZ, SelfS: float64(self.CPUTicks-m.self.CPUTicks) / userHZ}
	u.DatabaseS = float64(postgresTicks()-m.pg) / userHZ
	u.RestS = float64(busyTicks()-m.busy)/userHZ - u.SupportdS - u.SelfS - u.DatabaseS
	return u
}

// postgresTicks is the CPU time of every running process named postgres, in
// USER_HZ ticks. The pool's backends live through a phase, so the difference
// of two readings is PostgreSQL's work in between.
func postgresTicks() int64 {
	ents, _ := os.ReadDir("/proc")
	var total int64
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || !bytes.Contains(raw, []byte("(postgres)")) {
			continue
		}
		if st, err := readProc(pid); err == nil {
			total += st.CPUTicks
		}
	}
	return total
}

// busyTicks is the machine's non-idle CPU time from /proc/stat, in USER_HZ ticks.
func busyTicks() int64 {
	raw, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(raw), "\n")
	var busy int64
	for i, v := range strings.Fields(line)[1:] { // cpu user nice system idle iowait irq softirq steal ...
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // not idle, not iowait; guest time is inside user
			busy += n
		}
	}
	return busy
}

// waitQuiet waits, up to maxWait, until the whole machine is at most pct % busy
// over a second, and returns the last level seen: other work skews the figures.
func waitQuiet(pct float64, maxWait time.Duration) float64 {
	deadline := time.Now().Add(maxWait)
	for {
		b0 := busyTicks()
		time.Sleep(time.Second)
		busy := float64(busyTicks()-b0) / userHZ / float64(runtime.NumCPU()) * 100
		if busy <= pct || time.Now().After(deadline) {
			return busy
		}
	}
}

func cpuModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAvg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// pcts are percentiles of a set of durations.
type pcts struct {
	P50, P90, P99, Max time.Duration
	N                  int
}

func percentiles(ds []time.Duration) pcts {
	if len(ds) == 0 {
		return pcts{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return pcts{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: s[len(s)-1], N: len(s)}
}
