package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// webhookMetrics count webhook delivery attempts (internal/webhook/delivery).
type webhookMetrics struct {
	attempts *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func (m *Metrics) newWebhooks() {
	m.webhooks.attempts = m.counterVec("supportd_webhook_attempts_total",
		"Webhook delivery attempts made by this instance, by outcome: delivered (2xx), failed (any other answer, a "+
			"timeout or a refused address; retried), gone (410: the endpoint was disabled).", "outcome")
	m.webhooks.duration = m.histogramVec("supportd_webhook_attempt_duration_seconds",
		"How long webhook receivers took to answer, by outcome.",
		[]float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15}, "outcome")
	for _, o := range []string{"delivered", "failed", "gone"} {
		m.webhooks.attempts.WithLabelValues(o)
	}
}

// WebhookAttempt counts one delivery attempt (delivery.Observer).
func (m *Metrics) WebhookAttempt(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.webhooks.attempts.WithLabelValues(outcome).Inc()
	m.webhooks.duration.WithLabelValues(outcome).Observe(d.Seconds())
}
