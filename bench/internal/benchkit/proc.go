package benchkit

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// UserHZ is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const UserHZ = 100

// ProcStat is one reading of a process's counters from /proc.
type ProcStat struct {
	CPUTicks int64 // utime + stime
	RSSKiB   int64 // VmRSS
	HWMKiB   int64 // VmHWM, the RSS high-water mark
	Threads  int64
}

// ReadProc reads a process's CPU time from /proc/<pid>/stat and its memory
// and threads from /proc/<pid>/status.
func ReadProc(pid int) (ProcStat, error) {
	var st ProcStat
	ut, stt, err := readCPU(pid)
	if err != nil {
		return st, err
	}
	st.CPUTicks = ut + stt
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			st.RSSKiB = n
		case "VmHWM":
			st.HWMKiB = n
		case "Threads":
			st.Threads = n
		}
	}
	return st, nil
}

// readCPU is a process's utime and stime, in USER_HZ ticks.
func readCPU(pid int) (user, sys int64, err error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	user, _ = strconv.ParseInt(f[11], 10, 64)
	sys, _ = strconv.ParseInt(f[12], 10, 64)
	return user, sys, nil
}

// CPUSplit is a process's utime and stime: user code and the kernel on its
// behalf, in USER_HZ ticks (0, 0 when it cannot be read).
func CPUSplit(pid int) (user, sys int64) {
	user, sys, _ = readCPU(pid)
	return user, sys
}

// CPUTicks is a process's utime + stime (0 when it cannot be read).
func CPUTicks(pid int) int64 {
	u, s := CPUSplit(pid)
	return u + s
}

// RSSKiB is a process's VmRSS, reading /proc/<pid>/status only (cheap enough
// to sample every few milliseconds).
func RSSKiB(pid int) (int64, error) {
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

// CountFDs counts a process's open file descriptors (-1 when unreadable).
func CountFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// PostgresTicks is the CPU time of every running process named postgres, by
// pid, in USER_HZ ticks.
func PostgresTicks() map[int]int64 {
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
		if u, s, err := readCPU(pid); err == nil {
			total[pid] = u + s
		}
	}
	return total
}

// PostgresTotal is the sum of PostgresTicks.
func PostgresTotal() int64 {
	var total int64
	for _, t := range PostgresTicks() {
		total += t
	}
	return total
}

// BusyTicks is the machine's non-idle CPU time from /proc/stat, in USER_HZ ticks.
func BusyTicks() int64 {
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

// CPUModel is the first "model name" in /proc/cpuinfo.
func CPUModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// LoadAvg is the 1, 5 and 15 minute load averages from /proc/loadavg.
func LoadAvg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Pcts are percentiles of a set of durations.
type Pcts struct {
	P50, P90, P99, Max time.Duration
	N                  int
}

// Percentiles takes the value at index ⌊q·n⌋ of the sorted durations for each
// percentile q.
func Percentiles(ds []time.Duration) Pcts {
	if len(ds) == 0 {
		return Pcts{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return Pcts{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: s[len(s)-1], N: len(s)}
}
