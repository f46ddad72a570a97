package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// WatchDB reports the database pool's statistics at scrape time, labelled with
// the engine ("postgres" or "sqlite").
func (m *Metrics) WatchDB(engine string, stats func() sql.DBStats) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&dbCollector{engine: engine, stats: stats})
}

func dbDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"engine"}, nil)
}

var (
	dbMaxOpen   = dbDesc("supportd_db_max_open_connections", "Connections the pool may open at most (0: unlimited).")
	dbOpen      = dbDesc("supportd_db_open_connections", "Connections open, in use or idle.")
	dbInUse     = dbDesc("supportd_db_in_use_connections", "Connections running a query or transaction.")
	dbIdle      = dbDesc("supportd_db_idle_connections", "Idle connections.")
	dbWaitCount = dbDesc("supportd_db_wait_count_total", "Times a query waited for a free connection.")
	dbWaitTime  = dbDesc("supportd_db_wait_duration_seconds_total", "Time spent waiting for a free connection.")
)

type dbCollector struct {
	engine string
	stats  func() sql.DBStats
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbMaxOpen, dbOpen, dbInUse, dbIdle, dbWaitCount, dbWaitTime} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, c.engine)
	}
	gauge(dbMaxOpen, float64(s.MaxOpenConnections))
	gauge(dbOpen, float64(s.OpenConnections))
	gauge(dbInUse, float64(s.InUse))
	gauge(dbIdle, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(dbWaitCount, prometheus.CounterValue, float64(s.WaitCount), c.engine)
	ch <- prometheus.MustNewConstMetric(dbWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), c.engine)
}

// WatchRateLimitFallbacks reports, at scrape time, how many requests were
// rate-limited on this instance alone because Redis failed.
func (m *Metrics) WatchRateLimitFallbacks(fallbacks func() uint64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "supportd_rate_limit_redis_fallbacks_total",
		Help: "Requests rate-limited on this instance only because Redis (the shared limits) failed."},
		func() float64 { return float64(fallbacks()) }))
}

// WatchLive reports the live streams (/ws, /events) at scrape time: how many
// are open, how many events they were handed, how many were dropped as too slow.
func (m *Metrics) WatchLive(stats func() (open int, delivered, slow uint64)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "supportd_live_streams",
			Help: "Live event streams (WebSocket and SSE) open on this instance."},
			func() float64 { n, _, _ := stats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "supportd_live_events_delivered_total",
			Help: "Ticket events handed to live streams on this instance."},
			func() float64 { _, d, _ := stats(); return float64(d) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "supportd_live_slow_consumers_total",
			Help: "Live streams dropped because their client fell more than 256 events behind."},
			func() float64 { _, _, s := stats(); return float64(s) }),
	)
}
