package main

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the test reads River's job table on PostgreSQL
	_ "modernc.org/sqlite"             // or on SQLite

	"github.com/supportd/supportd/internal/store/storetest"
)

// TestWebhookSurvivesAKilledProcess (issue 12): a delivery whose first
// attempt failed is retried by the next process after the first one is killed
// (SIGKILL: no shutdown, nothing flushed), with the same webhook-id.
func TestWebhookSurvivesAKilledProcess(t *testing.T) {
	engine := "sqlite"
	if slices.Contains(storetest.Engines(t), "postgres") {
		engine = "postgres"
	}
	dbURL := storetest.NewURL(t, engine)
	var up atomic.Bool
	var mu sync.Mutex
	var ids []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer receiver.Close()
	received := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(ids)
	}

	env := map[string]string{"DATABASE_URL": dbURL, "SECRET_KEY": strings.Repeat("k", 40), "DATA_DIR": t.TempDir(),
		"LOG_LEVEL": "warn", "KB_SEED_SAMPLE": "false", "WEBHOOK_ALLOW_PRIVATE": "127.0.0.1/32",
		"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "a long enough password"}
	a := startProcess(t, env)
	admin := a.post(t, "/auth/login", "", map[string]string{"username": "admin@example.com", "password": "a long enough password"})["access_token"].(string)
	a.post(t, "/admin/webhooks", admin, map[string]any{"url": receiver.URL + "/hook"})
	a.post(t, "/auth/signup", "", map[string]string{"email": "kill@example.com", "password": "a long enough password"})
	token := a.post(t, "/auth/login", "", map[string]string{"username": "kill@example.com", "password": "a long enough password"})["access_token"].(string)
	a.post(t, "/tickets", token, map[string]string{"title": "Killed", "description": "mid-delivery"})

	// The first attempt fails; once River has scheduled the retry (about 10 s
	// later), the process is killed.
	waitFor(t, "a first attempt", func() bool { return len(received()) == 1 })
	waitFor(t, "the retry to be scheduled", func() bool { return jobState(t, engine, dbURL) == "retryable" })
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = a.cmd.Process.Wait()
	up.Store(true)

	env["DATA_DIR"] = t.TempDir()
	startProcess(t, env)
	waitFor(t, "the retry from the new process", func() bool { return len(received()) == 2 })
	if got := received(); got[0] != got[1] || !strings.HasPrefix(got[0], "evt_") {
		t.Fatalf("webhook-ids %v: want the same evt_ id twice", got)
	}
}

// waitFor polls cond for up to 30 s (the retry is due 8-12 s after the first attempt).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobState is the state of the one delivery job in River's table.
func jobState(t *testing.T, engine, dbURL string) string {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if engine == "sqlite" {
		driver, dsn = "sqlite", filepath.Clean(strings.TrimPrefix(dbURL, "sqlite://"))
		if _, err := os.Stat(dsn); err != nil {
			return ""
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state string
	err = db.QueryRowContext(context.Background(), "SELECT state FROM river_job WHERE kind = 'webhook_delivery'").Scan(&state)
	if err != nil && err != sql.ErrNoRows {
		t.Logf("reading river_job: %v", err)
	}
	return state
}
