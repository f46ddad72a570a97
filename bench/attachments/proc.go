package main

import (
	"os"
	"sync"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// sampler reads supportd's VmRSS every 10 ms while it runs: VmHWM cannot be
// reset, so a phase's peak is the largest sample taken during it.
type sampler struct {
	pid  int
	mu   sync.Mutex
	max  int64
	last int64
	n    int
	stop chan struct{}
	done chan struct{}
}

func startSampler(pid int, every time.Duration) *sampler {
	s := &sampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.sample()
			case <-s.stop:
				s.sample()
				return
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	v, err := benchkit.RSSKiB(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.max, s.last = max(s.max, v), v
	s.n++
	s.mu.Unlock()
}

// end stops sampling and returns the largest and the last reading and how
// many were taken.
func (s *sampler) end() (peak, last int64, n int) {
	close(s.stop)
	<-s.done
	return s.max, s.last, s.n
}

// usage is the CPU spent over an interval, by whom.
type usage struct {
	Seconds   float64
	SupportdS float64 // supportd's CPU-seconds
	SysS      float64 // of which in the kernel (stime)
	SelfS     float64 // this program's: the clients
	DatabaseS float64 // every process named postgres (0 on SQLite)
	RestS     float64 // everything else on the machine: other work
}

type cpuMeter struct {
	pid            int
	t0             time.Time
	sd, self, busy int64
	sdSys          int64
	pg             map[int]int64
}

func startCPU(pid int) cpuMeter {
	_, sys := benchkit.CPUSplit(pid)
	return cpuMeter{pid: pid, t0: time.Now(), sd: benchkit.CPUTicks(pid), sdSys: sys, self: benchkit.CPUTicks(os.Getpid()), busy: benchkit.BusyTicks(), pg: benchkit.PostgresTicks()}
}

// postgresSince is the CPU time PostgreSQL's processes spent since the
// reading before: per process, so backends ending in between (other work's
// connections) do not count negative; a backend that started in between
// counts whole.
func postgresSince(before map[int]int64) int64 {
	var total int64
	for pid, t := range benchkit.PostgresTicks() {
		total += t - before[pid]
	}
	return total
}

func (m cpuMeter) stop() usage {
	u := usage{Seconds: time.Since(m.t0).Seconds(),
		SupportdS: float64(benchkit.CPUTicks(m.pid)-m.sd) / benchkit.UserHZ, SelfS: float64(benchkit.CPUTicks(os.Getpid())-m.self) / benchkit.UserHZ,
		DatabaseS: float64(postgresSince(m.pg)) / benchkit.UserHZ}
	_, sys := benchkit.CPUSplit(m.pid)
	u.SysS = float64(sys-m.sdSys) / benchkit.UserHZ
	u.RestS = float64(benchkit.BusyTicks()-m.busy)/benchkit.UserHZ - u.SupportdS - u.SelfS - u.DatabaseS
	return u
}

// othersPatterns are the other benchmarks and test runs on the machine (the
// patterns the shared machine's etiquette lists), for benchkit.OtherWork.
var othersPatterns = []string{"go test", "bench/live", "/live ", "webhooks"}
