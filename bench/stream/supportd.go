package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// supportdProc is a running supportd child process.
type supportdProc struct {
	cmd     *exec.Cmd
	base    string
	logPath string
}

func (p *supportdProc) pid() int { return p.cmd.Process.Pid }

// startSupportd runs the real binary with env and waits until /healthz answers.
func startSupportd(bin, dir string, env []string, logName string) (*supportdProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, logName)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir // no stray .env from the working tree
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...),
		"HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
	// STREAMBENCH_PPROF: only bench/profserve reads it; the Go runtime's knobs pass
	// through so their effect on supportd can be measured, and REDIS_URL the reply relay's.
	for _, k := range []string{"STREAMBENCH_PPROF", "GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS", "REDIS_URL"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	logf.Close()
	p := &supportdProc{cmd: cmd, base: "http://127.0.0.1:" + strconv.Itoa(port), logPath: logPath}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("supportd did not become healthy; log:\n%s", tail(logPath, 2000))
}

// stop sends SIGTERM and waits for the orderly shutdown, then kills.
func (p *supportdProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// createPostgresDB creates a fresh database next to the one adminURL names and
// returns its URL and a func that drops it.
func createPostgresDB(ctx context.Context, adminURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("streambench_%d_%d", os.Getpid(), time.Now().Unix())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u := conn.Config().ConnString()
	dbURL, err := replaceDBName(u, name)
	if err != nil {
		return "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
		}
	}
	return dbURL, drop, nil
}

func replaceDBName(raw, name string) (string, error) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return "", errors.New("admin URL must be a postgres:// URL")
	}
	rest := raw[i+3:]
	slash := strings.Index(rest, "/")
	q := ""
	if qi := strings.Index(rest, "?"); qi >= 0 {
		q = rest[qi:]
		rest = rest[:qi]
	}
	if slash >= 0 {
		rest = rest[:slash]
	}
	return raw[:i+3] + rest + "/" + name + q, nil
}

// apiClient drives supportd's JSON API for the set-up.
type apiClient struct {
	base string
	hc   *http.Client
}

func (a apiClient) call(method, path, token string, in, out any) error {
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, body)
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}

// seed signs up users and opens tickets through the API, round-robin over the users.
// It returns each ticket's id and its owner's token.
func seed(a apiClient, users, tickets, workers int) (ids, tokens []string, err error) {
	toks := make([]string, users)
	var mu sync.Mutex
	var firstErr error
	setErr := func(e error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = e
		}
		mu.Unlock()
	}
	run := func(n int, f func(i int) error) {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					if e := f(i); e != nil {
						setErr(e)
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	run(users, func(i int) error {
		email := fmt.Sprintf("stream-%d-%s@example.com", i, randomHex(4))
		const pw = "correct horse battery staple"
		if err := a.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": email, "password": pw}, nil); err != nil {
			return err
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := a.call(http.MethodPost, "/auth/login", "", map[string]string{"username": email, "password": pw}, &tok); err != nil {
			return err
		}
		toks[i] = tok.AccessToken
		return nil
	})
	if firstErr != nil {
		return nil, nil, firstErr
	}
	ids, tokens = make([]string, tickets), make([]string, tickets)
	run(tickets, func(i int) error {
		var t struct {
			ID string `json:"id"`
		}
		tok := toks[i%users]
		err := a.call(http.MethodPost, "/tickets", tok, map[string]string{
			"title":       fmt.Sprintf("Cannot reset my password (%d)", i),
			"description": "The reset link in the email says it has expired, every time I click it.",
		}, &t)
		ids[i], tokens[i] = t.ID, tok
		return err
	})
	return ids, tokens, firstErr
}

// breakdown splits each stream's time to first token with what supportd stored
// for its reply: created_at (taken after authentication, the ticket read and the
// limit checks, before the reply row is inserted) and ttft_ms (from the start of
// generation to the first upstream delta, so the upstream leg as supportd sees it).
func breakdown(ctx context.Context, dbURL string, ticketIDs []string, rs []streamResult, label string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT ticket_id, created_at, ttft_ms FROM ai_replies")
	if err != nil {
		return err
	}
	type rec struct {
		created time.Time
		ttft    int
	}
	byTicket := map[string]rec{}
	for rows.Next() {
		var id string
		var r rec
		if err := rows.Scan(&id, &r.created, &r.ttft); err != nil {
			return err
		}
		byTicket[id] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var pre, up, rest []time.Duration
	for i, r := range rs {
		rc, ok := byTicket[ticketIDs[i]]
		if !ok || r.first.IsZero() {
			continue
		}
		p := rc.created.Sub(r.start)
		u := time.Duration(rc.ttft) * time.Millisecond
		pre, up, rest = append(pre, p), append(up, u), append(rest, r.ttfb()-p-u)
	}
	show := func(name string, ds []time.Duration) {
		slices.Sort(ds)
		if len(ds) == 0 {
			return
		}
		q := func(f float64) float64 {
			return float64(ds[min(len(ds)-1, int(f*float64(len(ds))))].Microseconds()) / 1000
		}
		fmt.Printf("    %-58s p50 %7.2fms p90 %7.2fms p99 %7.2fms\n", name, q(0.5), q(0.9), q(0.99))
	}
	fmt.Printf("  breakdown of supportd's time to first token (%s, n=%d):\n", label, len(pre))
	show("request → reply row started (auth, ticket read, limits)", pre)
	show("upstream first token as supportd saw it (ttft_ms, 1ms steps)", up)
	show("the rest (insert, prompt, relay to the client)", rest)
	return nil
}
