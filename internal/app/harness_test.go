package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// testSecret signs tokens in tests.
const testSecret = "test-secret-key-that-is-at-least-32-bytes-long"

// fastArgon keeps tests quick; production parameters are checked in package auth.
var fastArgon = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// generousLimits lift every rate limit and budget far above what a functional test sends.
var generousLimits = map[string]string{
	"RATE_LIMIT_USER": "100000/1m", "RATE_LIMIT_IP": "100000/1m", "RATE_LIMIT_SIGNUP": "100000/1h",
	"RATE_LIMIT_LOGIN": "100000/1m", "RATE_LIMIT_WRITE": "100000/1m", "AI_REPLIES_PER_HOUR_GLOBAL": "100000",
}

// instance is a real supportd handler behind a real HTTP server on one engine.
type instance struct {
	t   testing.TB
	app *app.App
	srv *httptest.Server
	url string
}

// forEachEngine runs f against a fresh instance on every engine under test.
func forEachEngine(t *testing.T, f func(t *testing.T, in *instance)) {
	t.Helper()
	forEachEngineWith(t, nil, f)
}

func start(t *testing.T, engine string, getenv map[string]string) *instance {
	t.Helper()
	return startApp(t, engine, getenv, appOptions{})
}

// appOptions are what a test may change in how an instance is built.
type appOptions struct {
	clock *clock     // settable clock for app.Options.Now; nil: time.Now
	log   *logBuffer // keeps the JSON log for assertions; nil: testLogOutput only
	// prefix of the instance's Redis keys (rate limits, failed logins); instances
	// sharing limits share it. "": one of the test's own.
	prefix string
	tracer trace.TracerProvider // receives the spans; nil: the configured provider
	// webhooks runs webhook delivery (with short waits); off by default, so the
	// many instances of other tests do not each run a job queue.
	webhooks bool
}

// startApp starts an instance on engine with getenv over the defaults ("" leaves
// a variable unset, to test its default).
func startApp(t testing.TB, engine string, getenv map[string]string, o appOptions) *instance {
	t.Helper()
	env := map[string]string{"DATABASE_URL": storetest.NewMigratedURL(t, engine), "SECRET_KEY": testSecret, "DATA_DIR": t.TempDir(),
		"AI_BUILTIN_CHUNK_DELAY": "0s", "KB_SEED_SAMPLE": "false"}
	// Tests that are not about limits must not meet them: every bucket is generous
	// here, and the tests of a limit set their own (see ratelimit_test.go).
	maps.Copy(env, generousLimits)
	for k, v := range getenv {
		env[k] = v
		if v == "" {
			delete(env, k)
		}
	}
	if _, set := env["REDIS_TIMEOUT"]; env["REDIS_URL"] != "" && !set {
		// Falling back from Redis is for a Redis that is down, not for an answer slowed
		// by a busy test machine: tests that share state through Redis wait longer.
		env["REDIS_TIMEOUT"] = "1s"
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	opts := app.Options{Version: "test", Argon2: &fastArgon, KeepAlive: 200 * time.Millisecond, RateLimitPrefix: o.prefix}
	if opts.RateLimitPrefix == "" {
		opts.RateLimitPrefix = rlPrefix()
	}
	if o.clock != nil {
		opts.Now = o.clock.Now
	}
	opts.Tracer = o.tracer
	opts.Resolver = stubResolver{} // webhook hosts: no lookup leaves the machine (webhooks_test.go)
	opts.WebhookPoll, opts.WebhookRetryBase = 50*time.Millisecond, 50*time.Millisecond
	log := slog.New(slog.NewTextHandler(testLogOutput(), nil))
	if o.log != nil { // supportd's own logger, which adds the request's fields
		if log, err = logging.New(io.MultiWriter(o.log, testLogOutput()), "json", "info"); err != nil {
			t.Fatal(err)
		}
	}
	a, err := app.New(context.Background(), cfg, log, opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	a.StartLive(context.Background()) // Close stops it
	if o.webhooks {
		if err := a.StartWebhooks(context.Background()); err != nil {
			t.Fatalf("StartWebhooks: %v", err)
		}
	}
	srv := httptest.NewServer(a.Server)
	t.Cleanup(func() {
		// A handed-off reply stream gives its connection back to srv when it ends
		// (internal/httpapi/sse_handoff.go): let the streams end before srv closes.
		a.Assistant.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Server.Drain(ctx)
		srv.Close()
		a.Close()
	})
	return &instance{t: t, app: a, srv: srv, url: srv.URL}
}

// rlPrefix is a Redis key prefix no other test or run uses.
func rlPrefix() string { return "supportd:rltest:" + rand.Text() + ":" }

// clock is a settable clock for app.Options.Now: limits refill and lockouts lapse
// when a test moves it forward, with no sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects an instance's JSON log lines for assertions.
type logBuffer = logtest.Buffer

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// detail returns the problem+json detail, failing if the body is not a problem.
func (r response) detail(t testing.TB) string {
	t.Helper()
	var p struct {
		Detail string `json:"detail"`
		Status int    `json:"status"`
	}
	r.json(t, &p)
	if p.Detail == "" || p.Status != r.status {
		t.Fatalf("not a problem body for status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	return p.Detail
}

func (in *instance) do(method, path, token string, body io.Reader, contentType string) response {
	in.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = in.url + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		in.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (in *instance) call(method, path, token string, body any) response {
	in.t.Helper()
	if body == nil {
		return in.do(method, path, token, nil, "")
	}
	b, err := json.Marshal(body)
	if err != nil {
		in.t.Fatal(err)
	}
	return in.do(method, path, token, bytes.NewReader(b), "application/json")
}

func (in *instance) form(path string, vals url.Values) response {
	in.t.Helper()
	return in.do(http.MethodPost, path, "", strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded")
}

func expect(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// user is a signed-up account with a token.
type user struct {
	ID, Email, Token string
}

func (in *instance) newUser() user {
	in.t.Helper()
	email := "user-" + uuid.NewString() + "@example.com"
	return in.signupLogin(email, "correct horse battery")
}

func (in *instance) signupLogin(email, password string) user {
	in.t.Helper()
	r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": email, "password": password})
	expect(in.t, r, http.StatusCreated)
	var u struct{ ID string }
	r.json(in.t, &u)
	return user{ID: u.ID, Email: email, Token: in.login(email, password)}
}

func (in *instance) login(email, password string) string {
	in.t.Helper()
	r := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": email, "password": password})
	expect(in.t, r, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	r.json(in.t, &tok)
	if tok.TokenType != "bearer" || tok.AccessToken == "" {
		in.t.Fatalf("bad token response %s", r.body)
	}
	return tok.AccessToken
}

type ticketJSON struct {
	ID          string        `json:"id"`
	UserID      string        `json:"user_id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Status      string        `json:"status"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Messages    []messageJSON `json:"messages"`
}

type messageJSON struct {
	ID        string    `json:"id"`
	TicketID  string    `json:"ticket_id"`
	Sender    string    `json:"sender"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

func (in *instance) createTicket(token, title, description string) ticketJSON {
	in.t.Helper()
	r := in.call(http.MethodPost, "/tickets", token, map[string]string{"title": title, "description": description})
	expect(in.t, r, http.StatusCreated)
	var tk ticketJSON
	r.json(in.t, &tk)
	return tk
}

func engines(t testing.TB) []string { return storetest.Engines(t) }

// testLogOutput discards logs unless SUPPORTD_TEST_LOGS is set.
func testLogOutput() io.Writer {
	if os.Getenv("SUPPORTD_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}
