package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/relay/relaytest"
)

// limited is an instance started for a rate-limit test.
type limited struct {
	*instance
	logs   *logBuffer
	clock  *clock
	shared bool // limits in Redis (whose clock runs on: t values may be a little lower)
}

// limitedOpts choose the limiter's engine and clock.
type limitedOpts struct {
	redisURL string // "" : in memory
	prefix   string // Redis key prefix; instances sharing limits share it
}

// startLimited is start with env's limits, a settable clock, a kept log and,
// with o.redisURL, limits in Redis under o.prefix.
func startLimited(t *testing.T, engine string, env map[string]string, o limitedOpts) *limited {
	t.Helper()
	all := maps.Clone(env)
	if all == nil {
		all = map[string]string{}
	}
	if o.redisURL != "" {
		all["REDIS_URL"] = o.redisURL
	}
	logs, clk := &logBuffer{}, newClock()
	in := startApp(t, engine, all, appOptions{clock: clk, log: logs, prefix: o.prefix})
	return &limited{instance: in, logs: logs, clock: clk, shared: o.redisURL != ""}
}

// forEachLimiter runs f on every database engine with the limits in memory and,
// with TEST_REDIS_URL, in Redis.
func forEachLimiter(t *testing.T, env map[string]string, f func(t *testing.T, in *limited)) {
	t.Helper()
	for _, engine := range engines(t) {
		t.Run(engine+"/memory", func(t *testing.T) {
			t.Parallel()
			f(t, startLimited(t, engine, env, limitedOpts{}))
		})
		t.Run(engine+"/redis", func(t *testing.T) {
			t.Parallel()
			f(t, startLimited(t, engine, env, limitedOpts{redisURL: relaytest.URL(t), prefix: rlPrefix()}))
		})
	}
}

// from sends a request as the client at ip (X-Forwarded-For; "" for the direct
// peer), with token and a JSON body when given, plus any extra headers.
func (in *instance) from(ip, method, path, token string, body any, extra ...string) response {
	in.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, rd)
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Add(extra[i], extra[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// quota is one entry of a RateLimit header: "user";r=299;t=1.
type quota struct {
	name string
	r, t int
}

func parseRateLimit(t testing.TB, h string) []quota {
	t.Helper()
	var out []quota
	for item := range strings.SplitSeq(h, ", ") {
		parts := strings.Split(item, ";")
		if len(parts) != 3 || !strings.HasPrefix(parts[1], "r=") || !strings.HasPrefix(parts[2], "t=") {
			t.Fatalf("RateLimit %q is not a list of \"name\";r=N;t=N", h)
		}
		name, err := strconv.Unquote(parts[0])
		r, err2 := strconv.Atoi(parts[1][2:])
		s, err3 := strconv.Atoi(parts[2][2:])
		if err != nil || err2 != nil || err3 != nil {
			t.Fatalf("RateLimit %q: bad item %q", h, item)
		}
		out = append(out, quota{name, r, s})
	}
	return out
}

// expectQuotas checks a response's RateLimit header against want. t must match
// exactly in memory (the clock stands still); Redis's clock runs on, so there it
// may be up to 5 s lower.
func (in *limited) expectQuotas(r response, want ...quota) {
	in.t.Helper()
	got := parseRateLimit(in.t, r.header.Get("RateLimit"))
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.name == w.name && g.r == w.r && g.t <= w.t && (g.t == w.t || in.shared && g.t >= w.t-5)
	}
	if !ok {
		in.t.Fatalf("RateLimit %q, want %+v (status %d, body %s)", r.header.Get("RateLimit"), want, r.status, r.body)
	}
}

// expectLimited checks a 429 from bucket name: every header and the detail.
func (in *limited) expectLimited(r response, name, policy, limit string, retry int) {
	in.t.Helper()
	expect(in.t, r, http.StatusTooManyRequests)
	got, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || got > retry || got < 1 || (got != retry && !(in.shared && got >= retry-5)) {
		in.t.Fatalf("Retry-After %q, want %d", r.header.Get("Retry-After"), retry)
	}
	in.expectQuotas(r, quota{name, 0, got}) // t is the Retry-After
	if p := r.header.Get("RateLimit-Policy"); p != policy {
		in.t.Fatalf("RateLimit-Policy %q, want %q", p, policy)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		in.t.Fatalf("Cache-Control %q on a 429", cc)
	}
	want := "rate limit \"" + name + "\" exceeded: " + limit + "; retry in " + strconv.Itoa(got) + " s"
	if d := r.detail(in.t); d != want {
		in.t.Fatalf("detail %q, want %q", d, want)
	}
}
