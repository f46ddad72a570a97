package main

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// results is one run's figures.
type results struct {
	Options            options
	DB                 string
	IdlePeak, IdleLast int64 // KiB
	Mem                []memShot
	MemOthers          string
	Tput               []throughput
	Others             string // other work seen before a phase (waited for up to -quiet-wait)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func (s memShot) print(idleKiB int64, n int) {
	fmt.Printf("  %s %s %s MiB ×%d (round %d): peak RSS %s MiB (before %s), +%s MiB over idle = %.0f KiB per upload; %d in flight at once at most, %s, %d samples, %d errors %s\n",
		clock(), s.Mode, mib(s.Size), n, s.Round, mib(s.PeakKiB<<10), mib(s.BeforeKiB<<10), mib((s.PeakKiB-idleKiB)<<10),
		float64(s.PeakKiB-idleKiB)/float64(n), s.InFlight, s.Took.Round(time.Millisecond), s.Samples, s.Errors, s.ErrSample)
}

func (t throughput) print() {
	u := t.CPU
	fmt.Printf("  %s %s %s MiB, %d clients: %d files in %s = %.1f files/s, %.1f MiB/s; latency p50 %sms p99 %sms max %sms; %d errors %s\n",
		clock(), t.Dir, mib(t.Size), t.Clients, t.Files, t.Elapsed.Round(time.Millisecond), t.filesPerSec(), t.mibPerSec(),
		ms(t.Latency.P50), ms(t.Latency.P99), ms(t.Latency.Max), t.Errors, t.ErrSample)
	fmt.Printf("    CPU-s over %.1fs: supportd %.1f (%.2f cores, %.1f of them in the kernel), clients %.1f, PostgreSQL %.1f, rest of the machine %.1f; supportd peak RSS %s MiB; load average %s; other work at the end: %q\n",
		u.Seconds, u.SupportdS, u.SupportdS/u.Seconds, u.SysS, u.SelfS, u.DatabaseS, u.RestS, mib(t.PeakRSS<<10), benchkit.LoadAvg(), t.Others)
}

// summary prints the tables pasted into docs/benchmarks.md.
func (r results) summary() {
	o := r.Options
	fmt.Printf("\n## %s\n\n", r.DB)
	if len(r.Mem) > 0 {
		fmt.Printf("Memory: %d uploads at once; idle RSS %s MiB\n\n", o.memConc, mib(r.IdlePeak<<10))
		fmt.Println("| db | file | mode | peak RSS (MiB), each round | max Δ over idle (MiB) | Δ per upload (KiB) | in flight | took |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		for _, size := range o.sizes {
			for _, mode := range []string{"burst", "paced"} {
				var peaks []string
				var top int64
				var took []time.Duration
				inflight := 0
				for _, s := range r.Mem {
					if s.Size == size && s.Mode == mode {
						peaks = append(peaks, mib(s.PeakKiB<<10))
						top = max(top, s.PeakKiB)
						took = append(took, s.Took)
						inflight = max(inflight, s.InFlight)
					}
				}
				if len(peaks) == 0 {
					continue
				}
				fmt.Printf("| %s | %s MiB | %s | %s | %s | %.0f | %d | %s |\n", r.DB, mib(size), mode, strings.Join(peaks, ", "),
					mib((top-r.IdlePeak)<<10), float64(top-r.IdlePeak)/float64(o.memConc), inflight, ms(slices.Max(took))+" ms")
			}
		}
		if r.MemOthers != "" {
			fmt.Println("\nother work at the end of the memory phase:", r.MemOthers)
		}
	}
	if len(r.Tput) > 0 {
		fmt.Printf("\nThroughput: %d clients, %s per phase\n\n", o.clients, o.duration)
		fmt.Println("| db | file | direction | files | files/s | MiB/s | p50 ms | p99 ms | errors | supportd cores (kernel) | client cores | PostgreSQL cores | other cores | peak RSS MiB |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, t := range r.Tput {
			u := t.CPU
			fmt.Printf("| %s | %s MiB | %s | %d | %.1f | %.1f | %s | %s | %d | %.2f (%.2f) | %.2f | %.2f | %.2f | %s |\n",
				r.DB, mib(t.Size), t.Dir, t.Files, t.filesPerSec(), t.mibPerSec(), ms(t.Latency.P50), ms(t.Latency.P99), t.Errors,
				u.SupportdS/u.Seconds, u.SysS/u.Seconds, u.SelfS/u.Seconds, u.DatabaseS/u.Seconds, u.RestS/u.Seconds, mib(t.PeakRSS<<10))
		}
	}
	if r.Others != "" {
		fmt.Println("\nother work still running when a phase began (after waiting up to", o.quietWait, "):", r.Others)
	}
}

func clock() string { return time.Now().UTC().Format("15:04:05") }

func diskUsage(path string) string {
	out, err := exec.Command("du", "-sh", path).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
