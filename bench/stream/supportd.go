package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/supportd/supportd/bench/internal/benchkit"
)

// supportdProc is a running supportd child process.
type supportdProc = benchkit.Server

// startSupportd runs the real binary with env (plus HOST, PORT and the knobs
// below) and waits until /healthz answers.
func startSupportd(bin, dir string, env []string, logName string) (*supportdProc, error) {
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	env = append(slices.Clone(env), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))
	// STREAMBENCH_PPROF: only bench/profserve reads it; the Go runtime's knobs pass
	// through so their effect on supportd can be measured, and REDIS_URL the reply relay's.
	for _, k := range append(append([]string{"STREAMBENCH_PPROF"}, benchkit.RuntimeKnobs...), "REDIS_URL") {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return benchkit.StartServer(benchkit.ServerOptions{Bin: bin, Dir: dir, Env: env,
		Addr: "127.0.0.1:" + strconv.Itoa(port), LogName: logName, Probe: "/healthz"})
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
		email := fmt.Sprintf("stream-%d-%s@example.com", i, benchkit.RandomHex(4))
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
