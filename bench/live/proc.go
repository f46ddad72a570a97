package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// snapshot is supportd's memory at one moment: /proc and its Prometheus metrics.
type snapshot struct {
	benchkit.ProcStat
	FDs        int
	Goroutines float64 // go_goroutines; -1 when the metrics did not answer
	HeapInuse  float64 // go_memstats_heap_inuse_bytes
}

func (p *supportdProc) snapshot() snapshot {
	s := snapshot{Goroutines: -1, HeapInuse: -1}
	s.ProcStat, _ = benchkit.ReadProc(p.Pid())
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Pid())); err == nil {
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
	sd, self benchkit.ProcStat
	busy, pg int64
	done     chan struct{}
	peak     chan int64
}

func startMeter(pid int) *meter {
	m := &meter{pid: pid, t0: time.Now(), busy: benchkit.BusyTicks(), pg: benchkit.PostgresTotal(), done: make(chan struct{}), peak: make(chan int64)}
	m.sd, _ = benchkit.ReadProc(pid)
	m.self, _ = benchkit.ReadProc(os.Getpid())
	go func() {
		peak := m.sd.RSSKiB
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if st, err := benchkit.ReadProc(pid); err == nil {
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
	sd, _ := benchkit.ReadProc(m.pid)
	self, _ := benchkit.ReadProc(os.Getpid())
	u := usage{Seconds: time.Since(m.t0).Seconds(), PeakRSSKiB: max(<-m.peak, sd.RSSKiB), EndRSSKiB: sd.RSSKiB,
		SupportdS: float64(sd.CPUTicks-m.sd.CPUTicks) / benchkit.UserHZ, SelfS: float64(self.CPUTicks-m.self.CPUTicks) / benchkit.UserHZ}
	u.DatabaseS = float64(benchkit.PostgresTotal()-m.pg) / benchkit.UserHZ
	u.RestS = float64(benchkit.BusyTicks()-m.busy)/benchkit.UserHZ - u.SupportdS - u.SelfS - u.DatabaseS
	return u
}
