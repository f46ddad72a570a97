package main

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// results is one run's figures.
type results struct {
	Options    options
	DB         string
	Machine    string
	Base, Held snapshot          // supportd before the sockets, and with them all open
	Client     benchkit.ProcStat // this program with the sockets open
	Open       openResult
	Load       loadResult
	Events     eventsResult
	BusyBefore float64 // % of the machine busy just before phase 2
	// -writer store: NOTIFYs the writer sent (and failed) during phase 2
	Notices, NoticesFailed int64
}

// writes names phase 2's requests: POSTs, or the store writer's transactions.
func (r results) writes() string {
	if r.Options.writer == writerStore {
		return "writes (store.DB.AddMessage)"
	}
	return "POSTs"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

// perSocket is (held - base) / open sockets.
func (r results) perSocket(held, base float64) float64 {
	if r.Open.Opened == 0 {
		return 0
	}
	return (held - base) / float64(r.Open.Opened)
}

func (r results) printPhase1() {
	o := r.Open
	fmt.Printf("  opened %d, failed %d %v in %s; handshake p50 %sms p99 %sms max %sms\n",
		o.Opened, o.Failed, o.FailSample, o.Took.Round(time.Millisecond), ms(o.Handshake.P50), ms(o.Handshake.P99), ms(o.Handshake.Max))
	fmt.Printf("  supportd with %d open: %s\n", o.Opened, r.Held)
	fmt.Printf("  per socket: %.1f KiB RSS, %.1f KiB heap in use, %.2f goroutines, %.2f fds\n",
		r.perSocket(float64(r.Held.RSSKiB), float64(r.Base.RSSKiB)),
		r.perSocket(r.Held.HeapInuse, r.Base.HeapInuse)/1024,
		r.perSocket(r.Held.Goroutines, r.Base.Goroutines),
		r.perSocket(float64(r.Held.FDs), float64(r.Base.FDs)))
	fmt.Printf("  this program (clients) with them open: RSS %.1f MiB\n", float64(r.Client.RSSKiB)/1024)
}

func (r results) printPhase2() {
	l, e, u := r.Load, r.Events, r.Load.Usage
	fmt.Printf("  %s: %d issued, %d ok, %d failed %v, %d skipped (%d in flight); all answered %s after the first\n",
		r.writes(), l.Issued, l.OK, l.Failed, l.Errors, l.Skipped, r.Options.maxInflight, l.Elapsed.Round(time.Millisecond))
	fmt.Printf("  achieved %.0f msg/s (ok ÷ first send to last response); latency from its scheduled time p50 %sms p90 %sms p99 %sms max %sms\n",
		r.achieved(), ms(l.Latency.P50), ms(l.Latency.P90), ms(l.Latency.P99), ms(l.Latency.Max))
	if r.Options.writer == writerStore {
		fmt.Printf("  NOTIFYs sent by the writer: %d (%d failed), %.1f messages per notice\n",
			r.Notices, r.NoticesFailed, float64(l.OK)/max(1, float64(r.Notices)))
	}
	fmt.Printf("  events: %d message events of %d posted (%d missing), %d others; sockets ended by the server: %v\n",
		e.Received, l.OK, l.OK-int64(e.Received), e.Other, e.Ended)
	fmt.Printf("  delay created_at → socket: p50 %sms p90 %sms p99 %sms max %sms\n",
		ms(e.Delay.P50), ms(e.Delay.P90), ms(e.Delay.P99), ms(e.Delay.Max))
	fmt.Printf("  delay by %s of arrival (events: p50 / max ms):", windowLen)
	for _, w := range e.ByWindow {
		fmt.Printf(" %d: %.0f / %.0f;", w.N, float64(w.P50.Microseconds())/1000, float64(w.Max.Microseconds())/1000)
	}
	fmt.Println()
	fmt.Printf("  CPU over %.1fs: supportd %.2fs (%.2f cores), clients (sockets + writer) %.2fs, PostgreSQL %.2fs, rest of the machine (other work) %.2fs; load average now %s\n",
		u.Seconds, u.SupportdS, u.SupportdS/u.Seconds, u.SelfS, u.DatabaseS, u.RestS, benchkit.LoadAvg())
	fmt.Printf("  supportd RSS: peak %.1f MiB, at the end %.1f MiB\n", float64(u.PeakRSSKiB)/1024, float64(u.EndRSSKiB)/1024)
}

func (r results) achieved() float64 {
	if r.Load.Elapsed <= 0 {
		return 0
	}
	return float64(r.Load.OK) / r.Load.Elapsed.Seconds()
}

// summary prints the run as two markdown tables.
func (r results) summary() {
	o, u := r.Options, r.Load.Usage
	fmt.Printf("\nmachine: %s; db: %s; writer: %s; %.0f%% busy before phase 2\n\n", r.Machine, r.DB, o.writer, r.BusyBefore)
	fmt.Println("| sockets open / asked | failed | handshake p50 / p99 (ms) | supportd RSS before → with sockets (MiB) | **KiB RSS per socket** | KiB heap in use per socket | goroutines per socket |")
	fmt.Println("|---|---|---|---|---|---|---|")
	fmt.Printf("| %d / %d | %d | %s / %s | %.1f → %.1f | **%.1f** | %.1f | %.2f |\n\n",
		r.Open.Opened, o.conns, r.Open.Failed, ms(r.Open.Handshake.P50), ms(r.Open.Handshake.P99),
		float64(r.Base.RSSKiB)/1024, float64(r.Held.RSSKiB)/1024,
		r.perSocket(float64(r.Held.RSSKiB), float64(r.Base.RSSKiB)), r.perSocket(r.Held.HeapInuse, r.Base.HeapInuse)/1024,
		r.perSocket(r.Held.Goroutines, r.Base.Goroutines))
	w := "POST"
	if o.writer == writerStore {
		w = "store write"
	}
	fmt.Printf("| target msg/s | achieved msg/s | %ss ok / failed / skipped | events received / posted | **delay p50 / p90 / p99 / max (ms)** | %s p50 / p99 (ms) | supportd CPU (cores) | clients (sockets + writer) / PostgreSQL / other CPU (cores) | supportd peak RSS (MiB) |\n", w, w)
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	d := r.Events.Delay
	fmt.Printf("| %d | %.0f | %d / %d / %d | %d / %d | **%s / %s / %s / %s** | %s / %s | %.2f | %.2f / %.2f / %.2f | %.1f |\n",
		o.rate, r.achieved(), r.Load.OK, r.Load.Failed, r.Load.Skipped, r.Events.Received, r.Load.OK,
		ms(d.P50), ms(d.P90), ms(d.P99), ms(d.Max), ms(r.Load.Latency.P50), ms(r.Load.Latency.P99),
		u.SupportdS/u.Seconds, u.SelfS/u.Seconds, u.DatabaseS/u.Seconds, u.RestS/u.Seconds, float64(u.PeakRSSKiB)/1024)
	if len(r.Load.Errors) > 0 {
		for _, k := range slices.Sorted(maps.Keys(r.Load.Errors)) {
			fmt.Printf("POST error %q: %d\n", k, r.Load.Errors[k])
		}
	}
}
