package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// Close returns only once the reaper has stopped, so the reaper never uses the
// closed database. The heartbeat runs every millisecond here, so the reaper is
// nearly always inside a database call when Close comes; under -race a use of
// the closed database would be logged ("database is closed") or race with Close.
func TestCloseWaitsForTheReaper(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DATABASE_URL": storetest.NewURL(t, engine), "DATA_DIR": t.TempDir(),
				"SECRET_KEY": "test-secret-key-that-is-at-least-32-bytes-long", "KB_SEED_SAMPLE": "false"}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			var logs logtest.Buffer
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)), Options{
				Argon2:         &auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
				ReplyHeartbeat: time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			// The reaper outlives Start's context: it stops with Close, not before.
			ctx, cancel := context.WithCancel(context.Background())
			a.Start(ctx)
			cancel()
			done := a.reaperDone
			select {
			case <-done:
				t.Fatal("the reaper stopped with Start's context; it must keep generations alive until Close")
			default:
			}
			if err := a.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			select {
			case <-done:
			default:
				t.Fatal("Close returned while the reaper was still running")
			}
			if strings.Contains(logs.String(), "closed") {
				t.Fatalf("the reaper used the closed database:\n%s", logs.String())
			}
		})
	}
}

// Close without Start (the CLI's commands) has no reaper to wait for.
func TestCloseWithoutStart(t *testing.T) {
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, "sqlite"), "DATA_DIR": t.TempDir(),
		"SECRET_KEY": "test-secret-key-that-is-at-least-32-bytes-long", "KB_SEED_SAMPLE": "false"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler),
		Options{Argon2: &auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
