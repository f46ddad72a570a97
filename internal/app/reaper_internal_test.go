package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// Close returns only once the reaper has stopped, so the reaper never uses the
// closed database. The heartbeat runs every millisecond here, so the reaper is
// nearly always inside a database call when Close comes; under -race a use of
// the closed database would be logged ("database is closed") or race with Close.
func TestCloseWaitsForTheReaper(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var logs logtest.Buffer
			a, err := New(context.Background(), internalConfig(t, engine), slog.New(slog.NewTextHandler(&logs, nil)), Options{
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

// The reaper's log lines carry a trace id, like a request's: here, failing a
// reply whose instance stopped beating.
func TestReaperLogsCarryTraceID(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var logs logtest.Buffer
			log, err := logging.New(&logs, "json", "info")
			if err != nil {
				t.Fatal(err)
			}
			a, err := New(t.Context(), internalConfig(t, engine), log, Options{ReplyHeartbeat: 5 * time.Millisecond,
				Argon2: &auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			staleReply(t, a)
			ctx, stop := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); a.Assistant.RunReaper(ctx) }()
			deadline := time.Now().Add(5 * time.Second)
			for len(logs.Lines("marked interrupted AI replies failed")) == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			stop()
			<-done
			lines := logs.Lines("marked interrupted AI replies failed")
			if len(lines) != 1 || !strings.Contains(lines[0], `"trace_id":"`) {
				t.Fatalf("reaper's line %q, want one with a trace id:\n%s", lines, logs.String())
			}
		})
	}
}

// staleReply stores a streaming reply of an instance that stopped an hour ago.
func staleReply(t *testing.T, a *App) {
	t.Helper()
	ctx := t.Context()
	u, err := a.Auth.Signup(ctx, support.Credentials{Email: "reaped@example.com", Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := a.Tickets.CreateTicket(ctx, support.Actor{UserID: u.ID, Role: u.Role}, support.NewTicket{Title: "Stuck"})
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	r := &support.AIReply{ID: newID(), InstanceID: "stopped-instance", TicketID: tk.ID, RequestedBy: u.ID, CreatedAt: past}
	if err := a.DB.StartReply(ctx, r, support.ReplyQuota{Since: past.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// internalConfig is a minimal configuration on a fresh database of engine.
func internalConfig(t *testing.T, engine string) config.Config {
	t.Helper()
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, engine), "DATA_DIR": t.TempDir(),
		"SECRET_KEY": "test-secret-key-that-is-at-least-32-bytes-long", "KB_SEED_SAMPLE": "false"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
