package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// The reply generation outlives its request, and its log lines still carry the
// id of the request that started it (context.WithoutCancel, not Background).
func TestGenerationLogsCarryTheRequestID(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
			log := &logBuffer{}
			in := startApp(t, engine, map[string]string{"GROQ_API_KEY": "gsk_test", "GROQ_BASE_URL": fake.URL(),
				"GROQ_MODEL": "test-model", "AI_PROVIDERS": "groq", "AI_FIRST_TOKEN_TIMEOUT": "2s", "AI_IDLE_TIMEOUT": "1s"},
				appOptions{log: log})
			u := in.newUser()
			tk := in.createTicket(u.Token, "Printer", "It jams.")
			// Two deltas, then the upstream connection drops: the reply fails after
			// its first token, which the generation logs before its final event.
			fake.Enqueue(llmtest.Reply("a", "b", "c").DropAfter(2))
			evs := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"X-Request-ID": "gen-req-42"}).all(t)
			if evs[len(evs)-1].Event != "error" {
				t.Fatalf("final event %+v, want error", evs[len(evs)-1])
			}
			lines := log.Lines(`"msg":"AI reply failed"`)
			if len(lines) != 1 {
				t.Fatalf("%d 'AI reply failed' lines, want 1; log:\n%s", len(lines), log)
			}
			var rec struct {
				RequestID string `json:"request_id"`
				UserID    string `json:"user_id"`
				TicketID  string `json:"ticket_id"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.RequestID != "gen-req-42" || rec.UserID != u.ID || rec.TicketID != tk.ID {
				t.Fatalf("generation's log line %s: want request_id gen-req-42, user %s, ticket %s", lines[0], u.ID, tk.ID)
			}
		})
	}
}

// A serving instance says at start-up what an operator must know: an empty
// knowledge base, and SQLite in production.
func TestStartupWarnings(t *testing.T) {
	const (
		emptyKB    = "the knowledge base is empty: the assistant has nothing to ground answers in"
		sqliteProd = "SQLite in production"
	)
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				env           map[string]string
				empty, sqlite bool // warnings expected
				name          string
			}{
				{map[string]string{"SUPPORTD_ENV": "production"}, true, engine == "sqlite", "production, empty"},
				{map[string]string{"SUPPORTD_ENV": "production", "KB_SEED_SAMPLE": "true"}, false, engine == "sqlite", "production, sample"},
				{map[string]string{"SUPPORTD_ENV": "development", "KB_SEED_SAMPLE": "true"}, false, false, "development, sample"},
			} {
				log := &logBuffer{}
				in := startApp(t, engine, c.env, appOptions{log: log})
				ctx, cancel := context.WithCancel(context.Background())
				in.app.Start(ctx)
				cancel()
				if got := log.Count(emptyKB) == 1; got != c.empty {
					t.Errorf("%s: empty knowledge base warned %v, want %v; log:\n%s", c.name, got, c.empty, log)
				}
				if c.empty && len(log.Lines(emptyKB, "supportd kb import DIR", `"level":"WARN"`)) != 1 {
					t.Errorf("%s: the warning does not say how to load articles:\n%s", c.name, log)
				}
				if got := len(log.Lines(sqliteProd, `"level":"WARN"`)) == 1; got != c.sqlite {
					t.Errorf("%s: SQLite in production warned %v, want %v; log:\n%s", c.name, got, c.sqlite, log)
				}
			}
		})
	}
}

// The warnings are logged once, by Start: commands that only build the app
// (user create, kb import) stay quiet.
func TestNoStartupWarningsWithoutStart(t *testing.T) {
	log := &logBuffer{}
	startApp(t, "sqlite", map[string]string{"SUPPORTD_ENV": "production"}, appOptions{log: log})
	if strings.Contains(log.String(), "knowledge base is empty") || strings.Contains(log.String(), "SQLite in production") {
		t.Fatalf("warned without Start:\n%s", log)
	}
}
