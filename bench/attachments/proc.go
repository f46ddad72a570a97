package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const userHZ = 100

// rssKiB is a process's VmRSS.
func rssKiB(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.Index(status, []byte("\nVmRSS:"))
	if i < 0 {
		return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	line, _, _ := bytes.Cut(status[i+len("\nVmRSS:"):], []byte("\n"))
	return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(line)), " kB"), 10, 64)
}

// cpuTicks is a process's utime + stime.
func cpuTicks(pid int) int64 {
	u, s := cpuSplit(pid)
	return u + s
}

// cpuSplit is a process's utime and stime: user code and the kernel on its behalf.
func cpuSplit(pid int) (user, sys int64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	if len(f) < 13 {
		return 0, 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut, st
}

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
	v, err := rssKiB(s.pid)
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
	_, sys := cpuSplit(pid)
	return cpuMeter{pid: pid, t0: time.Now(), sd: cpuTicks(pid), sdSys: sys, self: cpuTicks(os.Getpid()), busy: busyTicks(), pg: postgresTicks()}
}

// postgresSince is the CPU time PostgreSQL's processes spent since the
// reading before: per process, so backends ending in between (other work's
// connections) do not count negative; a backend that started in between
// counts whole.
func postgresSince(before map[int]int64) int64 {
	var total int64
	for pid, t := range postgresTicks() {
		total += t - before[pid]
	}
	return total
}

func (m cpuMeter) stop() usage {
	u := usage{Seconds: time.Since(m.t0).Seconds(),
		SupportdS: float64(cpuTicks(m.pid)-m.sd) / userHZ, SelfS: float64(cpuTicks(os.Getpid())-m.self) / userHZ,
		DatabaseS: float64(postgresSince(m.pg)) / userHZ}
	_, sys := cpuSplit(m.pid)
	u.SysS = float64(sys-m.sdSys) / userHZ
	u.RestS = float64(busyTicks()-m.busy)/userHZ - u.SupportdS - u.SelfS - u.DatabaseS
	return u
}

// postgresTicks is the CPU time of every running process named postgres, by pid.
func postgresTicks() map[int]int64 {
	ents, _ := os.ReadDir("/proc")
	total := map[int]int64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || !bytes.Contains(raw, []byte("(postgres)")) {
			continue
		}
		total[pid] = cpuTicks(pid)
	}
	return total
}

// busyTicks is the machine's non-idle CPU time from /proc/stat.
func busyTicks() int64 {
	raw, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(raw), "\n")
	var busy int64
	for i, v := range strings.Fields(line)[1:] { // cpu user nice system idle iowait irq softirq steal ...
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 {
			busy += n
		}
	}
	return busy
}

// otherWork names the other benchmarks and test runs on the machine (the
// patterns the shared machine's etiquette lists), "" when there are none.
func otherWork() string {
	var found []string
	for _, pat := range []string{"go test", "bench/live", "/live ", "webhooks"} {
		out, _ := exec.Command("pgrep", "-f", pat).Output()
		for f := range strings.FieldsSeq(string(out)) {
			if pid, _ := strconv.Atoi(f); pid != os.Getpid() && pid != 0 {
				found = append(found, fmt.Sprintf("%q(pid %s)", pat, f))
			}
		}
	}
	return strings.Join(found, " ")
}

// waitForOthers polls every 20 s, up to maxWait, while other work runs, and
// returns what was still running when it gave up ("" when the machine was free).
func waitForOthers(maxWait time.Duration) string {
	deadline := time.Now().Add(maxWait)
	for {
		w := otherWork()
		if w == "" || time.Now().After(deadline) {
			return w
		}
		fmt.Printf("  waiting: other work runs: %s\n", w)
		time.Sleep(20 * time.Second)
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
