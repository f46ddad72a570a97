package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/store/storetest"
)

// clock is a settable clock for app.Options.Now: lockouts lapse when a test moves
// it forward, with no sleeping.
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

// logBuffer collects an instance's log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// count returns how many lines hold s.
func (l *logBuffer) count(s string) int {
	n := 0
	for line := range strings.SplitSeq(l.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// startClocked is start with a settable clock and a log kept for the test.
// Every request reaches the server from 127.0.0.1, which is a trusted proxy here,
// so a test gives its clients distinct addresses with X-Forwarded-For (fromIP).
func startClocked(t *testing.T, engine string, getenv map[string]string, clk *clock) (*instance, *logBuffer) {
	t.Helper()
	return startClockedPrefix(t, engine, getenv, clk, rlPrefix())
}

// startClockedPrefix is startClocked with the Redis key prefix given: instances
// sharing counts share it.
func startClockedPrefix(t *testing.T, engine string, getenv map[string]string, clk *clock, prefix string) (*instance, *logBuffer) {
	t.Helper()
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, engine), "SECRET_KEY": testSecret, "DATA_DIR": t.TempDir(),
		"AI_BUILTIN_CHUNK_DELAY": "0s", "KB_SEED_SAMPLE": "false", "TRUSTED_PROXIES": "127.0.0.1/32"}
	for k, v := range generousLimits {
		env[k] = v
	}
	for k, v := range getenv {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(context.Background(), cfg, log, app.Options{Version: "test", Argon2: &fastArgon, Now: clk.Now,
		RateLimitPrefix: prefix})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Server)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &instance{t: t, app: a, srv: srv, url: srv.URL}, logs
}

// loginFrom posts a JSON login as a client at ip.
func (in *instance) loginFrom(ip, username, password string) response {
	in.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequest(http.MethodPost, in.url+"/auth/login", bytes.NewReader(b))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	return in.send(req)
}

func (in *instance) send(req *http.Request) response {
	in.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
}
