package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// AI reply outcomes. A reply that fell back is counted once as fell_back under
// the provider that failed, then under the provider that answered.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
	OutcomeFellBack  = "fell_back"
	OutcomeTruncated = "truncated" // completed, cut off at AI_MAX_REPLY_BYTES
	OutcomeRefused   = "refused"   // refused by a limit before any provider was asked
)

// ProviderNone labels replies no provider answered (refused, or every provider failed).
const ProviderNone = "none"

// Reply stream kinds.
const (
	StreamNew    = "new"    // started a generation
	StreamJoin   = "join"   // joined a generation in progress
	StreamResume = "resume" // continued a reply after Last-Event-ID
)

func (m *Metrics) newAI() {
	m.aiReplies = m.counterVec("supportd_ai_replies_total",
		"AI replies by provider and outcome (completed, failed, fell_back, truncated, refused).", "provider", "outcome")
	m.aiTTFT = m.histogramVec("supportd_ai_time_to_first_token_seconds",
		"Time from the start of generation to the reply's first token, by the provider that answered.",
		[]float64{.05, .1, .25, .5, .75, 1, 1.5, 2, 3, 5, 10, 20}, "provider")
	m.aiDuration = m.histogramVec("supportd_ai_reply_duration_seconds",
		"Time to generate a whole reply, by the provider that answered.",
		[]float64{.25, .5, 1, 2, 5, 10, 20, 30, 60, 120, 180}, "provider")
	m.aiTokens = m.counterVec("supportd_ai_tokens_total",
		"Tokens used by AI replies, by provider, model and kind (prompt or completion).", "provider", "model", "kind")
	m.aiRetries = m.counterVec("supportd_ai_retries_total",
		"Retried attempts at an AI provider, before the first token.", "provider")
	m.aiStreams = m.gauge("supportd_ai_streams_open", "Reply streams open to clients.")
	m.aiOpens = m.counterVec("supportd_ai_streams_total",
		"Reply streams opened, by kind: new (started a reply), join (a reply in progress), resume (after Last-Event-ID).", "kind")
	m.streamTokens = m.counterVec("supportd_ai_stream_tokens_total",
		"Stream tokens (for EventSource) by result: issued, or refused (unknown, used, expired or for another ticket).", "result")
	for _, k := range []string{StreamNew, StreamJoin, StreamResume} {
		m.aiOpens.WithLabelValues(k)
	}
	for _, r := range []string{"issued", "refused"} {
		m.streamTokens.WithLabelValues(r)
	}
}

// AIReply records a finished reply: the provider that answered ("" if none
// did), its model, the outcome, the time to the first token (zero if none
// came) and in all, and the tokens used.
func (m *Metrics) AIReply(provider, model, outcome string, ttft, total time.Duration, promptTokens, completionTokens int) {
	if m == nil {
		return
	}
	if provider == "" {
		provider = ProviderNone
	}
	m.aiReplies.WithLabelValues(provider, outcome).Inc()
	if provider == ProviderNone {
		return
	}
	if ttft > 0 {
		m.aiTTFT.WithLabelValues(provider).Observe(ttft.Seconds())
	}
	m.aiDuration.WithLabelValues(provider).Observe(total.Seconds())
	m.aiTokens.WithLabelValues(provider, model, "prompt").Add(float64(promptTokens))
	m.aiTokens.WithLabelValues(provider, model, "completion").Add(float64(completionTokens))
}

// AIRefused counts a reply refused by a limit.
func (m *Metrics) AIRefused() {
	if m != nil {
		m.aiReplies.WithLabelValues(ProviderNone, OutcomeRefused).Inc()
	}
}

// AIFellBack counts a provider that failed a reply and handed it to the next one.
func (m *Metrics) AIFellBack(provider string) {
	if m != nil {
		m.aiReplies.WithLabelValues(provider, OutcomeFellBack).Inc()
	}
}

// AIRetried counts a retried attempt at provider.
func (m *Metrics) AIRetried(provider string) {
	if m != nil {
		m.aiRetries.WithLabelValues(provider).Inc()
	}
}

// StreamOpened counts a reply stream of kind (StreamNew, StreamJoin, StreamResume).
func (m *Metrics) StreamOpened(kind string) {
	if m != nil {
		m.aiOpens.WithLabelValues(kind).Inc()
	}
}

// TrackStream counts an open stream until the returned func, which calls
// release first, runs.
func (m *Metrics) TrackStream(release func()) func() {
	if m == nil {
		return release
	}
	m.aiStreams.Inc()
	return func() {
		release()
		m.aiStreams.Dec()
	}
}

// StreamToken counts a stream token issued, or refused when issued is false.
func (m *Metrics) StreamToken(issued bool) {
	if m == nil {
		return
	}
	if issued {
		m.streamTokens.WithLabelValues("issued").Inc()
	} else {
		m.streamTokens.WithLabelValues("refused").Inc()
	}
}

// KBRetrieval records a retrieval for a reply's prompt and whether it found anything.
func (m *Metrics) KBRetrieval(d time.Duration, passages int) {
	if m == nil {
		return
	}
	m.kbRetrieval.Observe(d.Seconds())
	if passages == 0 {
		m.kbEmpty.Inc()
	}
}

// WatchBreakers reports each provider's circuit-breaker state at scrape time, as
// supportd_ai_breaker_state{provider,state} = 1 for its current state (closed,
// half-open, open) and 0 for the others. state returns the named provider's state.
func (m *Metrics) WatchBreakers(providers []string, state func(provider string) string) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&breakerCollector{providers: providers, state: state})
}

var breakerDesc = prometheus.NewDesc("supportd_ai_breaker_state",
	"Circuit-breaker state per AI provider: 1 for the current state (closed, half-open, open).", []string{"provider", "state"}, nil)

type breakerCollector struct {
	providers []string
	state     func(string) string
}

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- breakerDesc }

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.providers {
		now := c.state(p)
		for _, s := range []string{"closed", "half-open", "open"} {
			v := 0.0
			if s == now {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, v, p, s)
		}
	}
}
