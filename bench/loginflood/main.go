// Command loginflood measures a real user's login latency while another client
// floods POST /auth/login with wrong passwords (issue 9: p99 under 1 s).
//
// It starts supportd in process (app.New, production argon2id parameters and
// SUPPORTD_ENV=production) on a loopback port with a temporary SQLite database, or
// DATABASE_URL when set, and creates one account. Then, for -duration:
//
//   - the attacker sends -concurrency logins at once, without pause, each with a
//     wrong password for a fresh address (credential stuffing: no one account's
//     lockout stops it), from -attacker-ips client addresses;
//   - the real user logs in with the right password every -interval, from another
//     address.
//
// Both reach supportd from 127.0.0.1, a trusted proxy here (TRUSTED_PROXIES), and
// give their addresses in X-Forwarded-For. The per-IP request limits are lifted
// (RATE_LIMIT_LOGIN, RATE_LIMIT_IP) unless set in the environment, so what is
// measured is login protection (failure counts, the bounded hashing queue); the
// per-IP rate limit would stop a single attacker sooner still.
//
//	go run ./bench/loginflood -duration 30s
//	go run ./bench/loginflood -duration 30s -attacker-ips 1000   # many addresses: the hashing queue is what holds
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
)

type options struct {
	duration    time.Duration
	concurrency int
	interval    time.Duration
	attackerIPs int
	maxRequests int
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long the flood lasts (at most 5m)")
	flag.IntVar(&o.concurrency, "concurrency", 50, "attacker logins in flight at once (at most 500)")
	flag.DurationVar(&o.interval, "interval", 200*time.Millisecond, "pause between the real user's logins")
	flag.IntVar(&o.attackerIPs, "attacker-ips", 1, "client addresses the attacker rotates through (at most 65536)")
	flag.IntVar(&o.maxRequests, "max-requests", 1_000_000, "stop the attacker after this many logins")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loginflood:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	o.duration = min(o.duration, 5*time.Minute)
	o.concurrency = min(max(o.concurrency, 1), 500)
	o.attackerIPs = min(max(o.attackerIPs, 1), 65536)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, stop, err := serve(ctx)
	if err != nil {
		return err
	}
	defer stop()
	email, password := "owner-"+uuid.NewString()+"@example.com", "correct horse battery staple"
	if err := signup(base, email, password); err != nil {
		return err
	}
	fmt.Printf("flood: %d concurrent wrong-password logins from %d address(es) for %s; real user every %s\n",
		o.concurrency, o.attackerIPs, o.duration, o.interval)
	floodCtx, endFlood := context.WithTimeout(ctx, o.duration)
	defer endFlood()
	attacker := newTally()
	var wg sync.WaitGroup
	var budget sync.Mutex
	sent := 0
	for w := range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; floodCtx.Err() == nil; i++ {
				budget.Lock()
				sent++
				over := sent > o.maxRequests
				budget.Unlock()
				if over {
					return
				}
				ip := fmt.Sprintf("10.%d.%d.1", (w*7919+i)%o.attackerIPs/256, (w*7919+i)%o.attackerIPs%256)
				status, d := login(floodCtx, base, ip, "victim-"+uuid.NewString()+"@example.com", "wrong password")
				attacker.add(status, d)
			}
		}()
	}
	owner := newTally()
	for floodCtx.Err() == nil {
		status, d := login(context.Background(), base, "192.0.2.10", email, password)
		owner.add(status, d)
		select {
		case <-floodCtx.Done():
		case <-time.After(o.interval):
		}
	}
	wg.Wait()
	report("real user", owner)
	report("attacker", attacker)
	return nil
}

// serve starts supportd on a loopback port and returns its base URL.
func serve(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "loginflood")
	if err != nil {
		return "", nil, err
	}
	env := map[string]string{
		"SUPPORTD_ENV": "production", "SECRET_KEY": uuid.NewString() + uuid.NewString(), "DATA_DIR": dir,
		"DATABASE_URL": "sqlite://" + filepath.ToSlash(filepath.Join(dir, "supportd.db")), "TRUSTED_PROXIES": "127.0.0.1/32",
		"RATE_LIMIT_LOGIN": "1000000/1m", "RATE_LIMIT_IP": "1000000/1m", "RATE_LIMIT_SIGNUP": "1000/1h",
	}
	getenv := func(k string) string {
		if v, ok := os.LookupEnv(k); ok && k != "SUPPORTD_ENV" && k != "DATA_DIR" {
			return v
		}
		return env[k]
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	log, err := logging.New(io.Discard, "json", "error")
	if err != nil {
		return "", nil, err
	}
	a, err := app.New(ctx, cfg, log, app.Options{Version: "loginflood"})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		os.RemoveAll(dir)
		return "", nil, err
	}
	srv := &http.Server{Handler: a.Server, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		a.Close()
		os.RemoveAll(dir)
	}, nil
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 600}}

func signup(base, email, password string) error {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := client.Post(base+"/auth/signup", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("signup: %d %s", resp.StatusCode, body)
	}
	return nil
}

// login sends one JSON login as a client at ip and returns the status (0 on a
// transport error) and how long it took.
func login(ctx context.Context, base, ip, email, password string) (int, time.Duration) {
	b, _ := json.Marshal(map[string]string{"username": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/auth/login", bytes.NewReader(b))
	if err != nil {
		return 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(start)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// tally counts statuses and keeps latencies.
type tally struct {
	mu        sync.Mutex
	statuses  map[int]int
	latencies []time.Duration
}

func newTally() *tally { return &tally{statuses: map[int]int{}} }

func (t *tally) add(status int, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.statuses[status]++
	t.latencies = append(t.latencies, d)
}

func report(who string, t *tally) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lat := slices.Clone(t.latencies)
	slices.Sort(lat)
	codes := make([]int, 0, len(t.statuses))
	for c := range t.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	fmt.Printf("%-9s %6d logins, statuses", who, len(lat))
	for _, c := range codes {
		fmt.Printf(" %d:%d", c, t.statuses[c])
	}
	if len(lat) > 0 {
		fmt.Printf("; latency p50 %s p99 %s max %s", pct(lat, 50), pct(lat, 99), lat[len(lat)-1])
	}
	fmt.Println()
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)].Round(100 * time.Microsecond)
}
