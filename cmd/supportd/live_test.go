package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/supportd/supportd/internal/logging/logtest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// asMain is the variable that makes the test binary run supportd's main, so a
// test can start supportd as real processes without building it first.
const asMain = "SUPPORTD_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// process is supportd serving in a process of its own.
type process struct {
	base string
	cmd  *exec.Cmd
	logs *logtest.Buffer
}

// startProcess runs `supportd serve` with env and waits until it answers.
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), asMain+"=1", "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{base: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, logs: &logtest.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("supportd did not stop on SIGINT:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("supportd did not come up: %v\n%s", err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// post sends body as JSON and fails the test unless the answer is a 2xx.
func (p *process) post(t *testing.T, path, token string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	status, out := postJSON(t, p.base+path, token, string(b))
	if status/100 != 2 {
		t.Fatalf("POST %s: %d %v", path, status, out)
	}
	return out
}

// postJSON POSTs a JSON body, with a bearer token unless it is "", and returns
// the status and the decoded answer.
func postJSON(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

type wireEvent struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

// TestLiveAcrossProcesses (issue 12): two supportd processes on one PostgreSQL
// database. A message posted through A reaches a WebSocket client on B and an
// SSE client on A; a WebSocket that was away resumes on A and gets every event
// it missed exactly once.
func TestLiveAcrossProcesses(t *testing.T) {
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL): the processes share it")
	}
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, "postgres"), "SECRET_KEY": strings.Repeat("k", 40),
		"DATA_DIR": t.TempDir(), "LOG_LEVEL": "warn", "KB_SEED_SAMPLE": "false", "AI_BUILTIN_CHUNK_DELAY": "0s"}
	a := startProcess(t, env) // migrates first
	env["DATA_DIR"] = t.TempDir()
	b := startProcess(t, env)

	a.post(t, "/auth/signup", "", map[string]string{"email": "live@example.com", "password": "a long enough password"})
	token := a.post(t, "/auth/login", "", map[string]string{"username": "live@example.com", "password": "a long enough password"})["access_token"].(string)
	ticket := a.post(t, "/tickets", token, map[string]string{"title": "Two processes", "description": "hello"})["id"].(string)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	onB, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.base, "http")+"/ws", &websocket.DialOptions{HTTPHeader: bearer})
	if err != nil {
		t.Fatalf("WebSocket on B: %v", err)
	}
	defer onB.CloseNow()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/events", nil)
	req.Header = bearer
	sseResp, err := http.DefaultClient.Do(req)
	if err != nil || sseResp.StatusCode != http.StatusOK {
		t.Fatalf("SSE on A: %v %v", err, sseResp)
	}
	defer sseResp.Body.Close()
	sse := bufio.NewReader(sseResp.Body)

	sent := time.Now()
	msg := a.post(t, "/tickets/"+ticket+"/messages", token, map[string]string{"content": "through A"})
	ws := readSocket(ctx, t, onB, "message")
	viaSSE := readSSE(t, sse, "message")
	t.Logf("commit to arrival on B's socket and A's stream: %s", time.Since(sent))
	if ws.ID != viaSSE.ID || ws.ID == 0 {
		t.Fatalf("B's socket got event %d, A's stream %d (message %v)", ws.ID, viaSSE.ID, msg["id"])
	}

	// Away from B; two more messages; back on A with since: each missed event once.
	onB.Close(websocket.StatusNormalClosure, "")
	for i := range 2 {
		a.post(t, "/tickets/"+ticket+"/messages", token, map[string]string{"content": "while away " + strconv.Itoa(i)})
	}
	back, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.base, "http")+"/ws?since="+strconv.FormatInt(ws.ID, 10),
		&websocket.DialOptions{HTTPHeader: bearer})
	if err != nil {
		t.Fatalf("WebSocket back on A: %v", err)
	}
	defer back.CloseNow()
	first, second := readSocket(ctx, t, back, "message"), readSocket(ctx, t, back, "message")
	if first.ID <= ws.ID || second.ID <= first.ID {
		t.Fatalf("missed events %d, %d after %d", first.ID, second.ID, ws.ID)
	}
	rctx, rcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer rcancel()
	if _, data, err := back.Read(rctx); err == nil {
		t.Fatalf("an event more than missed: %s", data)
	}
}

// readSocket returns the next event of type typ, skipping others (a stream
// opened without a cursor may start just before the ticket's creation).
func readSocket(ctx context.Context, t *testing.T, c *websocket.Conn, typ string) wireEvent {
	t.Helper()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("WebSocket read: %v", err)
		}
		var e wireEvent
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if e.Type == typ {
			return e
		}
	}
}

// readSSE returns the next event of type typ from an SSE stream.
func readSSE(t *testing.T, r *bufio.Reader, typ string) wireEvent {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("SSE read: %v", err)
		}
		data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
		if !ok {
			continue
		}
		var e wireEvent
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if e.Type == typ {
			return e
		}
	}
}
