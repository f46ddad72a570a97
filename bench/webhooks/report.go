package main

import (
	"fmt"
	"strings"
	"time"
)

// results is one run's figures.
type results struct {
	Options    options
	Engine     string
	Machine    string
	Latency    latencyResult
	Throughput throughputResult
	Logs       string // delivery's and River's warnings and errors
}

// summary prints the run as markdown table rows for docs/benchmarks.md.
func (r results) summary() {
	fmt.Printf("\nmachine: %s; engine: %s; %s\n", r.Machine, r.Engine, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	if r.Options.workers > 0 {
		fmt.Println("workers per instance:", r.Options.workers, "(not the default)")
	}
	fmt.Println("warnings and errors logged by delivery / River:", r.Logs)
	if l := r.Latency; l.Rate > 0 {
		fmt.Println("\n| engine | rate (msg/s) × s | written / received / dup / missing | **commit → first attempt p50 / p90 / p99 / max (ms)** | created_at → p99 (ms) | AddMessage p99 (ms) | over 1 s | other load |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		fmt.Printf("| %s | %d × %.0f | %d / %d / %d / %d | **%s / %s / %s / %s** | %s | %s | %d | %s |\n",
			r.Engine, l.Rate, l.Duration.Seconds(), l.Written, l.Received, l.Duplicates, l.Missing,
			ms(l.Delay.P50), ms(l.Delay.P90), ms(l.Delay.P99), ms(l.Delay.Max), ms(l.DelayCreatedAt.P99),
			ms(l.WriteLatency.P99), l.OverOneSecond, yesNo(l.Overlap))
	}
	if t := r.Throughput; t.Backlog > 0 {
		per := make([]string, len(t.PerInstance))
		for i, c := range t.PerInstance {
			per[i] = fmt.Sprint(c.Delivered)
		}
		fmt.Println("\n| engine | backlog × endpoints, instances | received / expected | dup | first / all (s) | **deliveries/s** | per instance | failed attempts | other load |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|")
		fmt.Printf("| %s | %d × %d, %d | %d / %d | %d | %.2f / %.1f | **%.0f** | %s | %d | %s |\n",
			r.Engine, t.Backlog, t.Endpoints, t.Instances, t.Received, t.Expected, t.Duplicates,
			t.First.Seconds(), t.All.Seconds(), t.rate(), strings.Join(per, " + "), t.Attempts.Failed, yesNo(t.Overlap))
	}
}

func yesNo(b bool) string {
	if b {
		return "go test ran"
	}
	return "none"
}
