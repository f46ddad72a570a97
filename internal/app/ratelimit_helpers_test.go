package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// stepClock is a clock the rate-limit tests move forward instead of sleeping.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock { return &stepClock{t: time.Now().UTC()} }

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *stepClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// syncLog keeps an instance's JSON log for assertions.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }

// lines returns the log lines holding every one of parts.
func (l *syncLog) lines(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for line := range strings.SplitSeq(l.b.String(), "\n") {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// limited is an instance started for a rate-limit test.
type limited struct {
	*instance
	logs   *syncLog
	clock  *stepClock
	shared bool // limits in Redis (whose clock runs on: t values may be a little lower)
}

// limitedOpts choose the limiter's engine and clock.
type limitedOpts struct {
	redisURL string // "" : in memory
	prefix   string // Redis key prefix; instances sharing limits share it
}

// startLimited is start with env's limits, a settable clock, a kept log and,
// with o.redisURL, limits in Redis under a prefix of the test's own.
func startLimited(t *testing.T, engine string, env map[string]string, o limitedOpts) *limited {
	t.Helper()
	all := map[string]string{"DATABASE_URL": storetest.NewURL(t, engine), "SECRET_KEY": testSecret, "DATA_DIR": t.TempDir(),
		"AI_BUILTIN_CHUNK_DELAY": "0s", "KB_SEED_SAMPLE": "false"}
	for k, v := range generousLimits {
		all[k] = v
	}
	if o.redisURL != "" {
		all["REDIS_URL"] = o.redisURL
	}
	for k, v := range env {
		all[k] = v
		if v == "" {
			delete(all, k)
		}
	}
	cfg, err := config.Load(func(k string) string { return all[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs, clk := &syncLog{}, newStepClock()
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, testLogOutput()), nil))
	a, err := app.New(context.Background(), cfg, log, app.Options{Version: "test", Argon2: &fastArgon, Now: clk.Now,
		KeepAlive: 200 * time.Millisecond, RateLimitPrefix: o.prefix})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Server)
	t.Cleanup(func() {
		a.Assistant.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Server.Drain(ctx)
		srv.Close()
		a.Close()
	})
	return &limited{instance: &instance{t: t, app: a, srv: srv, url: srv.URL}, logs: logs, clock: clk, shared: o.redisURL != ""}
}

// rlPrefix is a Redis key prefix no other test or run uses.
func rlPrefix() string { return "supportd:rltest:" + rand.Text() + ":" }

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

func parseRateLimit(t *testing.T, h string) []quota {
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
