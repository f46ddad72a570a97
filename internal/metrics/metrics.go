// Package metrics holds supportd's Prometheus metrics: one registry per
// instance (never the global default one), the families every part records
// into, and the handler that serves them on METRICS_ADDR.
//
// Every method is safe on a nil *Metrics and then does nothing, so packages
// take a *Metrics by injection and tests that pass none keep working.
//
// Labels are bounded: route patterns (never raw paths), methods from a fixed
// list, status codes, provider and model names from the configuration, bucket
// names, and small fixed sets of outcomes and kinds. Never an id.
package metrics

import (
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one instance's registry and the families recorded into it.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpSize     *prometheus.HistogramVec
	httpInFlight prometheus.Gauge

	aiReplies    *prometheus.CounterVec
	aiTTFT       *prometheus.HistogramVec
	aiDuration   *prometheus.HistogramVec
	aiTokens     *prometheus.CounterVec
	aiRetries    *prometheus.CounterVec
	aiStreams    prometheus.Gauge
	aiOpens      *prometheus.CounterVec
	streamTokens *prometheus.CounterVec

	rateLimited  *prometheus.CounterVec
	failedLogins *prometheus.CounterVec

	queryErrors   *prometheus.CounterVec
	relayFailures *prometheus.CounterVec
	webhooks      webhookMetrics

	kbRetrieval prometheus.Histogram
	kbEmpty     prometheus.Counter
}

// New builds the registry with every family, the process and Go runtime
// collectors, and supportd_build_info for version.
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "supportd_build_info",
		Help: "Always 1; the labels name the running build."}, []string{"version", "goversion"})
	build.WithLabelValues(version, runtime.Version()).Set(1)
	m.reg.MustRegister(build)
	m.newHTTP()
	m.newAI()
	m.newOthers()
	m.newWebhooks()
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the instance's registry, for collectors and tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	m.reg.MustRegister(c)
	return c
}

func (m *Metrics) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	m.reg.MustRegister(h)
	return h
}

func (m *Metrics) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	m.reg.MustRegister(g)
	return g
}

func (m *Metrics) newOthers() {
	m.rateLimited = m.counterVec("supportd_rate_limit_rejections_total",
		"Requests answered 429 by a request rate limit, by the bucket that was empty.", "bucket")
	m.failedLogins = m.counterVec("supportd_auth_failed_logins_total",
		"Failed logins: bad_credentials (wrong email or password) or locked_out (refused before checking).", "reason")
	m.queryErrors = m.counterVec("supportd_db_query_errors_total",
		"Database errors by kind: unavailable, conflict, canceled (the caller gave up), other. Not-found answers are not errors.", "kind")
	m.relayFailures = m.counterVec("supportd_relay_failures_total",
		"Redis operations that failed, by op: publish or read (followers of an AI reply then read the database), "+
			"slots (stream limits then count per instance), login_count (failed logins then count per instance).", "op")
	m.kbRetrieval = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "supportd_kb_retrieval_seconds",
		Help:    "Knowledge-base retrieval for an AI reply's prompt.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}})
	m.kbEmpty = prometheus.NewCounter(prometheus.CounterOpts{Name: "supportd_kb_empty_retrievals_total",
		Help: "Knowledge-base retrievals for an AI reply that found no passage."})
	m.reg.MustRegister(m.kbRetrieval, m.kbEmpty)
	for _, k := range []string{"unavailable", "conflict", "canceled", "other"} {
		m.queryErrors.WithLabelValues(k)
	}
	for _, op := range []string{"publish", "read", "slots"} {
		m.relayFailures.WithLabelValues(op)
	}
	for _, r := range []string{ReasonBadCredentials, ReasonLockedOut} {
		m.failedLogins.WithLabelValues(r)
	}
}

// Failed-login reasons.
const (
	ReasonBadCredentials = "bad_credentials"
	ReasonLockedOut      = "locked_out"
)

// RateLimited counts a request refused by the named bucket.
func (m *Metrics) RateLimited(bucket string) {
	if m != nil {
		m.rateLimited.WithLabelValues(bucket).Inc()
	}
}

// FailedLogin counts a refused login; reason is ReasonBadCredentials or ReasonLockedOut.
func (m *Metrics) FailedLogin(reason string) {
	if m != nil {
		m.failedLogins.WithLabelValues(reason).Inc()
	}
}

// QueryError counts a database error of kind "unavailable", "conflict" or "other".
func (m *Metrics) QueryError(kind string) {
	if m != nil {
		m.queryErrors.WithLabelValues(kind).Inc()
	}
}

// RelayFailed counts a failed Redis operation, op "publish", "read", "slots" or "login_count".
func (m *Metrics) RelayFailed(op string) {
	if m != nil {
		m.relayFailures.WithLabelValues(op).Inc()
	}
}
