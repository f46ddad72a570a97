package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/logging/logtest"
)

// lookup builds a process environment from a map.
func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func baseEnv(t *testing.T) map[string]string {
	return map[string]string{"DATA_DIR": t.TempDir(), "LOG_LEVEL": "warn", "KB_SEED_SAMPLE": "false"}
}

func TestVersionAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, lookup(nil), nil, &out, &out); err != nil || !strings.Contains(out.String(), "supportd") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"--help"}, lookup(nil), nil, &out, &out); err != nil || !strings.Contains(out.String(), "user create") {
		t.Fatalf("help: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "-h"}, {"user", "create", "--help"}} {
		out.Reset()
		err := run(context.Background(), args, lookup(nil), nil, &out, &out)
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 2 {
			t.Errorf("%v: err %v", args, err)
		}
	}
	err := run(context.Background(), []string{"frobnicate"}, lookup(nil), nil, &out, &out)
	if err == nil || exitCode(err) != 2 {
		t.Errorf("unknown command: %v", err)
	}
}

func TestBadConfigurationStopsStartup(t *testing.T) {
	cases := map[string]map[string]string{
		"DATABASE_URL":                {"DATABASE_URL": "mysql://localhost/x"},
		"DATABASE_URL ":               {"DATABASE_URL": "postgres://%zz"},
		"SECRET_KEY":                  {"SECRET_KEY": "too-short"},
		"SECRET_KEY is required":      {"SUPPORTD_ENV": "production", "DATABASE_URL": "sqlite://x.db"},
		"placeholder":                 {"SUPPORTD_ENV": "production", "SECRET_KEY": "change-me-to-a-random-string-of-at-least-32-bytes"},
		"PORT":                        {"PORT": "eighty"},
		"SUPPORTD_ENV":                {"SUPPORTD_ENV": "staging"},
		"ACCESS_TOKEN_EXPIRE_MINUTES": {"ACCESS_TOKEN_EXPIRE_MINUTES": "0"},
		"AI_PROVIDERS":                {"AI_PROVIDERS": "groq"},
		"GROQ_BASE_URL":               {"GROQ_BASE_URL": "not a url"},
	}
	for want, env := range cases {
		t.Run(want, func(t *testing.T) {
			e := baseEnv(t)
			for k, v := range env {
				e[k] = v
			}
			var out bytes.Buffer
			err := run(context.Background(), []string{"serve"}, lookup(e), nil, &out, &out)
			if err == nil || !strings.Contains(err.Error(), strings.TrimSpace(want)) {
				t.Fatalf("err %v, want it to mention %q", err, want)
			}
			if strings.Contains(err.Error(), "goroutine") || exitCode(err) != 1 {
				t.Errorf("not a one-line error: %v", err)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestServeAnswersAndShutsDownGracefully(t *testing.T) {
	port := freePort(t)
	env := baseEnv(t)
	env["PORT"], env["HOST"] = fmt.Sprint(port), "127.0.0.1"
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr logtest.Buffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, nil, lookup(env), nil, &stdout, &stderr) }()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), base+"/docs") {
		t.Errorf("start-up does not say where the docs are: %q", stdout.String())
	}
	body := `{"email":"serve@example.com","password":"a secret password"}`
	resp, err := http.Post(base+"/auth/signup", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("signup through run: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	if logs := stderr.String(); strings.Contains(logs, "a secret password") {
		t.Errorf("password in logs")
	}
}

func TestUserCreateAndMigrate(t *testing.T) {
	env := baseEnv(t)
	env["DATABASE_URL"] = "sqlite://" + t.TempDir() + "/cli.db"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, lookup(env), nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	stdin := strings.NewReader("an agent password\n")
	args := []string{"user", "create", "--email", "agent@example.com", "--password-stdin", "--role", "agent"}
	out.Reset()
	if err := run(context.Background(), args, lookup(env), stdin, &out, &out); err != nil || !strings.Contains(out.String(), "created agent agent@example.com") {
		t.Fatalf("user create: %v %q", err, out.String())
	}
	err := run(context.Background(), args, lookup(env), strings.NewReader("an agent password\n"), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("duplicate user: %v", err)
	}
	err = run(context.Background(), []string{"user", "create", "--email", "x@example.com", "--password-stdin", "--role", "root"},
		lookup(env), strings.NewReader("an agent password\n"), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "role") {
		t.Fatalf("bad role: %v", err)
	}
	if err := run(context.Background(), []string{"user", "create", "--email", "y@example.com"}, lookup(env), nil, &out, &out); exitCode(err) != 2 {
		t.Fatalf("missing --password-stdin: %v", err)
	}
}

// A reply stream outlives the server's write timeout: streams extend their deadline per event.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	port := freePort(t)
	env := baseEnv(t)
	env["PORT"], env["HOST"] = fmt.Sprint(port), "127.0.0.1"
	env["HTTP_WRITE_TIMEOUT"], env["AI_BUILTIN_CHUNK_DELAY"] = "300ms", "60ms"
	env["KB_SEED_SAMPLE"] = "true" // an answer from the sample help center: many chunks
	// The account is made and its token signed outside the server: a password
	// hash under -race on a busy machine can take longer than the 300 ms write
	// timeout this test gives every response.
	key := make([]byte, 32)
	rand.Read(key)
	env["SECRET_KEY"] = hex.EncodeToString(key)
	tok := createUserToken(t, env, "w@example.com")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr logtest.Buffer
	go run(ctx, nil, lookup(env), nil, &stdout, &stderr)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %s", stderr.String())
		}
	}
	post := func(path, token, body string) map[string]any {
		_, out := postJSON(t, base+path, token, body)
		return out
	}
	tk := post("/tickets", tok, `{"title":"How do I reset my password?"}`)["id"].(string)
	req, _ := http.NewRequest(http.MethodGet, base+"/tickets/"+tk+"/ai-response", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	began := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.Contains(string(body), "event: done") || time.Since(began) < time.Second {
		t.Fatalf("stream cut after %v (err %v): %s", time.Since(began), err, body)
	}
}

// createUserToken creates a customer with `supportd user create` and returns an
// access token for it signed with env's SECRET_KEY, as the server would issue.
func createUserToken(t *testing.T, env map[string]string, email string) string {
	t.Helper()
	var out bytes.Buffer
	args := []string{"user", "create", "--email", email, "--password-stdin"}
	if err := run(context.Background(), args, lookup(env), strings.NewReader("a secret password\n"), &out, &out); err != nil {
		t.Fatalf("user create: %v: %s", err, out.String())
	}
	_, id, ok := strings.Cut(strings.TrimSpace(out.String()), "(")
	if !ok {
		t.Fatalf("user create printed %q", out.String())
	}
	tok, err := auth.NewTokens([]byte(env["SECRET_KEY"]), "supportd", time.Hour, time.Now).Issue(auth.Claims{UserID: strings.TrimSuffix(id, ")")})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
