package app_test

import (
	"context"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/relay/relaytest"
)

// metricsEnv turns metrics on (the address is not listened on by the harness:
// serveMetrics serves them on a port of the test's own) and makes the anonymous
// rate limit small enough to reach.
var metricsEnv = map[string]string{"METRICS_ADDR": "127.0.0.1:0", "RATE_LIMIT_IP": "12/1h", "AI_REPLIES_PER_HOUR": "1"}

// After a request, an AI reply that falls back, a rate-limited request and a
// failed login, every family is there with its labels.
func TestMetricsFamilies(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			in, fake := withUpstream(t, engine, metricsEnv)
			url := in.serveMetrics(t)
			driveMetrics(t, in, fake)
			m := scrape(t, url)
			checkHTTPFamilies(t, m)
			checkAIFamilies(t, m)
			checkOtherFamilies(t, m, engine, in.app.DB.SQL().Stats().MaxOpenConnections)
		})
	}
}

// driveMetrics makes every recorded thing happen once.
func driveMetrics(t *testing.T, in *instance, fake *llmtest.Server) {
	u := in.newUser()
	tk := in.createTicket(u.Token, "Refund", "How do I get my money back?")
	in.thread(u.Token, tk.ID)
	// The upstream fails three times (two retries), then the built-in responder answers.
	fake.Enqueue(llmtest.Status(503), llmtest.Status(503), llmtest.Status(503))
	if evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
		t.Fatalf("reply ended with %+v", evs[len(evs)-1])
	}
	in.app.Assistant.Wait() // the outcome is recorded once the reply is stored
	in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "1"}).all(t)
	expect(t, in.call(http.MethodGet, aiPath(tk.ID), u.Token, nil), http.StatusTooManyRequests) // 1 reply an hour
	expect(t, in.call(http.MethodPost, aiPath(tk.ID)+"/token", u.Token, nil), http.StatusCreated)
	expect(t, in.call(http.MethodGet, aiPath(tk.ID)+"?stream_token=not-a-token", "", nil), http.StatusUnauthorized)
	expect(t, in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": u.Email, "password": "another password"}),
		http.StatusConflict) // a database error of kind conflict
	expect(t, in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email, "password": "wrong password"}),
		http.StatusUnauthorized)
	for i := 0; ; i++ { // anonymous requests, with ids in their paths, until the IP bucket is empty
		r := in.call(http.MethodGet, "/tickets/"+uuid.NewString(), "", nil)
		if r.status == http.StatusTooManyRequests {
			break
		}
		if i == 20 {
			t.Fatal("no 429 from the IP bucket")
		}
	}
}

func checkHTTPFamilies(t *testing.T, m scraped) {
	t.Helper()
	m.atLeast(t, 1, "supportd_http_requests_total", "route", "/tickets/{id}", "method", "GET", "code", "200")
	m.equal(t, 1, "supportd_http_requests_total", "route", "/auth/login", "method", "POST", "code", "401")
	m.atLeast(t, 1, "supportd_http_requests_total", "route", "/tickets/{id}", "method", "GET", "code", "429")
	m.atLeast(t, 1, "supportd_http_requests_total", "route", "/tickets/{id}/ai-response", "method", "GET", "code", "200")
	m.atLeast(t, 1, "supportd_http_request_duration_seconds", "route", "/tickets", "method", "POST")
	m.atLeast(t, 1, "supportd_http_response_size_bytes", "route", "/tickets/{id}", "method", "GET")
	m.present(t, "supportd_http_requests_in_flight")
}

func checkAIFamilies(t *testing.T, m scraped) {
	t.Helper()
	m.equal(t, 1, "supportd_ai_replies_total", "provider", "groq", "outcome", "fell_back")
	m.equal(t, 1, "supportd_ai_replies_total", "provider", "builtin", "outcome", "completed")
	m.equal(t, 1, "supportd_ai_replies_total", "provider", "none", "outcome", "refused")
	m.equal(t, 2, "supportd_ai_retries_total", "provider", "groq")
	m.equal(t, 1, "supportd_ai_time_to_first_token_seconds", "provider", "builtin")
	m.equal(t, 1, "supportd_ai_reply_duration_seconds", "provider", "builtin")
	m.atLeast(t, 1, "supportd_ai_tokens_total", "provider", "builtin", "model", "supportd-builtin", "kind", "prompt")
	m.atLeast(t, 1, "supportd_ai_tokens_total", "provider", "builtin", "model", "supportd-builtin", "kind", "completion")
	m.equal(t, 1, "supportd_ai_breaker_state", "provider", "groq", "state", "closed")
	m.equal(t, 0, "supportd_ai_breaker_state", "provider", "groq", "state", "open")
	m.equal(t, 1, "supportd_ai_breaker_state", "provider", "builtin", "state", "closed")
	m.equal(t, 0, "supportd_ai_streams_open")
	m.equal(t, 1, "supportd_ai_streams_total", "kind", "new")
	m.equal(t, 1, "supportd_ai_streams_total", "kind", "resume")
	m.equal(t, 0, "supportd_ai_streams_total", "kind", "join")
	m.equal(t, 1, "supportd_ai_stream_tokens_total", "result", "issued")
	m.equal(t, 1, "supportd_ai_stream_tokens_total", "result", "refused")
}

func checkOtherFamilies(t *testing.T, m scraped, engine string, maxOpen int) {
	t.Helper()
	m.atLeast(t, 1, "supportd_rate_limit_rejections_total", "bucket", "ip")
	m.equal(t, 0, "supportd_rate_limit_redis_fallbacks_total")
	m.equal(t, 1, "supportd_auth_failed_logins_total", "reason", "bad_credentials")
	m.equal(t, 0, "supportd_auth_failed_logins_total", "reason", "locked_out")
	m.equal(t, float64(maxOpen), "supportd_db_max_open_connections", "engine", engine)
	for _, name := range []string{"supportd_db_open_connections", "supportd_db_in_use_connections",
		"supportd_db_idle_connections", "supportd_db_wait_count_total", "supportd_db_wait_duration_seconds_total"} {
		m.present(t, name, "engine", engine)
	}
	m.equal(t, 1, "supportd_db_query_errors_total", "kind", "conflict")
	m.equal(t, 0, "supportd_db_query_errors_total", "kind", "unavailable")
	m.equal(t, 0, "supportd_relay_failures_total", "op", "publish")
	m.equal(t, 1, "supportd_kb_retrieval_seconds")
	m.equal(t, 1, "supportd_kb_empty_retrievals_total") // the test's knowledge base is empty
	m.equal(t, 1, "supportd_build_info", "version", "test", "goversion", runtime.Version())
	m.present(t, "go_goroutines")
	m.present(t, "process_cpu_seconds_total")
}

// /metrics is served on METRICS_ADDR only: the public port answers 404.
func TestMetricsNotOnPublicPort(t *testing.T) {
	in := start(t, "sqlite", metricsEnv)
	r := in.call(http.MethodGet, "/metrics", "", nil)
	expect(t, r, http.StatusNotFound)
	if strings.Contains(string(r.body), "supportd_") {
		t.Fatalf("metrics leak on the public port: %s", r.body)
	}
}

// No label value is an id or a raw path: routes are the registered patterns.
func TestMetricsLabelsAreBounded(t *testing.T) {
	forEachEngineWith(t, metricsEnv, func(t *testing.T, in *instance) {
		url := in.serveMetrics(t)
		u := in.newUser()
		tk := in.createTicket(u.Token, "Bounded", "labels")
		in.thread(u.Token, tk.ID)
		in.call(http.MethodGet, "/tickets/"+uuid.NewString(), u.Token, nil)  // 404 on a route
		in.call(http.MethodGet, "/no/such/"+uuid.NewString(), u.Token, nil)  // no route
		in.call("PROPFIND", "/tickets/"+tk.ID, u.Token, nil)                 // a made-up method
		in.call(http.MethodGet, "/tickets/"+tk.ID+"/messages", u.Token, nil) // paged thread
		routes := registeredRoutes(in)
		uuidRE := regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
		seen := 0
		for name, f := range scrape(t, url) {
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					if uuidRE.MatchString(l.GetValue()) || strings.Contains(l.GetValue(), tk.ID) {
						t.Errorf("%s{%s=%q}: an id in a label", name, l.GetName(), l.GetValue())
					}
					if l.GetName() == "route" {
						seen++
						if !routes[l.GetValue()] {
							t.Errorf("%s{route=%q}: not a registered pattern", name, l.GetValue())
						}
					}
					if l.GetName() == "method" && l.GetValue() == "PROPFIND" {
						t.Errorf("%s: a client's method taken as a label", name)
					}
				}
			}
		}
		if seen == 0 {
			t.Fatal("no route labels scraped")
		}
	})
}

// registeredRoutes are the route label values allowed: the API's paths, the
// routes outside it, and "unmatched".
func registeredRoutes(in *instance) map[string]bool {
	routes := map[string]bool{"unmatched": true, "/docs": true, "/docs/": true, "/openapi.json": true, "/openapi.yaml": true}
	for path := range in.app.Server.OpenAPI().Paths {
		routes[path] = true
	}
	return routes
}

// serveMetrics serves the instance's metrics on a listener of the test's own, as
// Serve does on METRICS_ADDR, and returns their URL.
func (in *instance) serveMetrics(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.app.ServeMetrics(ln))
	return "http://" + ln.Addr().String() + "/metrics"
}

// scraped is a parsed scrape, by family name.
type scraped map[string]*dto.MetricFamily

func scrape(t *testing.T, url string) scraped {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value returns the sample of family name with the given label pairs (a
// histogram's sample count), and whether there is one.
func (m scraped) value(name string, labels ...string) (float64, bool) {
	f := m[name]
	if f == nil {
		return 0, false
	}
next:
	for _, s := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range s.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case s.Counter != nil:
			return s.Counter.GetValue(), true
		case s.Gauge != nil:
			return s.Gauge.GetValue(), true
		case s.Histogram != nil:
			return float64(s.Histogram.GetSampleCount()), true
		case s.Untyped != nil:
			return s.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func (m scraped) present(t *testing.T, name string, labels ...string) {
	t.Helper()
	if _, ok := m.value(name, labels...); !ok {
		t.Errorf("no %s%v", name, labels)
	}
}

func (m scraped) equal(t *testing.T, want float64, name string, labels ...string) {
	t.Helper()
	if v, ok := m.value(name, labels...); !ok || v != want {
		t.Errorf("%s%v = %v (present %v), want %v", name, labels, v, ok, want)
	}
}

func (m scraped) atLeast(t *testing.T, want float64, name string, labels ...string) {
	t.Helper()
	if v, ok := m.value(name, labels...); !ok || v < want {
		t.Errorf("%s%v = %v (present %v), want at least %v", name, labels, v, ok, want)
	}
}

// Serve serves /metrics on METRICS_ADDR alongside the public port, and stops both.
func TestServeMetricsListener(t *testing.T) {
	logs := &logBuffer{}
	in := startApp(t, "sqlite", metricsEnv, appOptions{log: logs})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- in.app.Serve(ctx, ln) }()
	url := metricsURL(t, logs)
	if m := scrape(t, url); m["supportd_build_info"] == nil {
		t.Fatal("no supportd_build_info on METRICS_ADDR")
	}
	expect(t, in.call(http.MethodGet, "http://"+ln.Addr().String()+"/metrics", "", nil), http.StatusNotFound)
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("the metrics endpoint outlived Serve")
	}
}

// metricsURL waits for Serve to log where it serves the metrics.
func metricsURL(t *testing.T, logs *logBuffer) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range logs.Lines(`"msg":"metrics endpoint"`) {
			var l struct{ URL string }
			if json.Unmarshal([]byte(line), &l) == nil && l.URL != "" {
				return l.URL
			}
		}
	}
	t.Fatalf("Serve logged no metrics endpoint:\n%s", logs)
	return ""
}

// When Redis goes away, what falls back to the instance alone is counted: the
// reply relay's publishes, the stream limit's slots, the failed-login counts, the
// request rate limits.
func TestMetricsCountRedisFallbacks(t *testing.T) {
	u, err := url.Parse(relaytest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	env := maps.Clone(metricsEnv)
	env["REDIS_URL"] = u.String()
	in := start(t, "sqlite", env)
	endpoint := in.serveMetrics(t)
	usr := in.newUser()
	tk := in.createTicket(usr.Token, "Redis", "is about to go")
	proxy.down()
	if evs := in.openStream(aiPath(tk.ID), usr.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
		t.Fatalf("without Redis: final event %+v, want done", evs[len(evs)-1])
	}
	in.app.Assistant.Wait()
	expect(t, in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": usr.Email, "password": "wrong password"}),
		http.StatusUnauthorized)
	m := scrape(t, endpoint)
	// At least once each: during an outage the shared counters are probed again
	// every second, so a slow machine (a login's hashing, REDIS_TIMEOUT) may count
	// a second failure.
	m.atLeast(t, 1, "supportd_relay_failures_total", "op", "publish")
	m.atLeast(t, 1, "supportd_relay_failures_total", "op", "slots")
	m.atLeast(t, 1, "supportd_relay_failures_total", "op", "login_count")
	m.atLeast(t, 1, "supportd_rate_limit_redis_fallbacks_total")
}

// A handed-off reply stream (STREAM_HANDOFF) is recorded when it ends, with the
// bytes it sent, like a stream on the default path; it is in flight until then.
func TestMetricsRecordHandedOffStreams(t *testing.T) {
	env := maps.Clone(metricsEnv)
	maps.Copy(env, handoffOn)
	in := start(t, "sqlite", env)
	endpoint := in.serveMetrics(t)
	u := in.newUser()
	tk := in.createTicket(u.Token, "Refund", "How do I get my money back?")
	stream := in.openStream(aiPath(tk.ID), u.Token, nil)
	if evs := stream.all(t); evs[len(evs)-1].Event != "done" {
		t.Fatalf("reply ended with %+v", evs[len(evs)-1])
	}
	in.app.Assistant.Wait()
	var m scraped
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		m = scrape(t, endpoint) // the stream's writer records it just after the client read the end
		_, counted := m.value("supportd_http_requests_total", "route", "/tickets/{id}/ai-response")
		inFlight, _ := m.value("supportd_http_requests_in_flight") // leaves in flight a moment after it is counted
		if (counted && inFlight == 0) || time.Now().After(deadline) {
			break
		}
	}
	m.equal(t, 1, "supportd_http_requests_total", "route", "/tickets/{id}/ai-response", "method", "GET", "code", "200")
	sum := histogramSum(m, "supportd_http_response_size_bytes", "/tickets/{id}/ai-response")
	if sum < 100 {
		t.Errorf("handed-off stream recorded with %v bytes, want its body's size", sum)
	}
	m.equal(t, 0, "supportd_http_requests_in_flight") // the scrape has a listener of its own
}

// histogramSum is the sum of a histogram's observations on route.
func histogramSum(m scraped, name, route string) float64 {
	for _, s := range m[name].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == "route" && l.GetValue() == route {
				return s.GetHistogram().GetSampleSum()
			}
		}
	}
	return 0
}
