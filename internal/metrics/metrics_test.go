package metrics

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A nil *Metrics records nothing and never panics: callers built without metrics keep working.
func TestNilMetricsIsANoOp(t *testing.T) {
	var m *Metrics
	m.InFlight(1)
	m.ObserveRequest("/x", "GET", 200, time.Second, 1)
	m.AIReply("groq", "m", OutcomeCompleted, time.Second, time.Second, 1, 1)
	m.AIRefused()
	m.AIFellBack("groq")
	m.AIRetried("groq")
	m.StreamOpened(StreamNew)
	released := false
	m.TrackStream(func() { released = true })()
	m.StreamToken(true)
	m.KBRetrieval(time.Millisecond, 0)
	m.RateLimited("ip")
	m.FailedLogin(ReasonBadCredentials)
	m.QueryError("other")
	m.RelayFailed("publish")
	m.WatchDB("sqlite", func() sql.DBStats { return sql.DBStats{} })
	m.WatchBreakers([]string{"groq"}, func(string) string { return "closed" })
	m.WatchRateLimitFallbacks(func() uint64 { return 0 })
	if !released {
		t.Fatal("TrackStream on nil dropped the release")
	}
}

func TestRecordsAndServes(t *testing.T) {
	m := New("1.2.3")
	m.ObserveRequest("/tickets/{id}", "BREW", 418, 10*time.Millisecond, 100)
	m.AIReply("", "", OutcomeFailed, 0, time.Second, 0, 0)
	done := m.TrackStream(func() {})
	m.WatchBreakers([]string{"groq"}, func(string) string { return "open" })
	if body := scrapeText(t, m); !strings.Contains(body, "supportd_ai_streams_open 1") {
		t.Errorf("an open stream not counted:\n%s", body)
	}
	done()
	body := scrapeText(t, m)
	for _, want := range []string{
		`supportd_http_requests_total{code="418",method="other",route="/tickets/{id}"} 1`, // a client's method is not a label
		`supportd_ai_replies_total{outcome="failed",provider="none"} 1`,
		"supportd_ai_streams_open 0",
		`supportd_build_info{goversion="go`, `version="1.2.3"} 1`,
		`supportd_ai_breaker_state{provider="groq",state="open"} 1`,
		`supportd_ai_breaker_state{provider="groq",state="closed"} 0`,
		"go_goroutines", "process_cpu_seconds_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func scrapeText(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("scrape: %d", w.Code)
	}
	return w.Body.String()
}
