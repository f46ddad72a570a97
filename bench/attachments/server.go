package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverEnv is supportd's whole environment (config.Load reads the same map to
// derive the token key and issuer exactly as the server does).
func serverEnv(o options, dbURL, dir string) (map[string]string, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	// A handful of customers post far past a person's quotas: the limiters
	// still run (each request takes from a bucket), but never refuse.
	const generous = "1000000000/1m"
	env := map[string]string{
		"SUPPORTD_ENV": "production", "DATABASE_URL": dbURL, "DATA_DIR": dir, "SECRET_KEY": randomHex(20),
		"HOST": "127.0.0.1", "PORT": strconv.Itoa(port), "METRICS_ADDR": "127.0.0.1:" + strconv.Itoa(metricsPort),
		"LOG_LEVEL": "warn", "KB_SEED_SAMPLE": "false", "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
		"RATE_LIMIT_USER": generous, "RATE_LIMIT_IP": generous, "RATE_LIMIT_WRITE": generous,
		"RATE_LIMIT_SIGNUP": generous, "RATE_LIMIT_LOGIN": generous,
		// Files up to -max-size (16 MiB by default, so 10 MiB files fit with
		// room), no storage quota, and threads long enough for a 20 s run of
		// small files on one ticket per client.
		"ATTACHMENT_MAX_SIZE": strconv.FormatInt(o.maxSize, 10), "ATTACHMENT_QUOTA": "0",
		"TICKET_MAX_MESSAGES": "100000",
	}
	// The Go runtime's knobs pass through, so their effect on supportd can be measured.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env, nil
}

// supportdProc is a running supportd child process.
type supportdProc struct {
	cmd     *exec.Cmd
	base    string
	logPath string
}

func (p *supportdProc) pid() int { return p.cmd.Process.Pid }

// startSupportd runs `supportd serve` with env and waits until /readyz answers.
func startSupportd(bin, dir string, env map[string]string) (*supportdProc, error) {
	logPath := filepath.Join(dir, "supportd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir // no stray .env from the working tree
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &supportdProc{cmd: cmd, base: "http://" + env["HOST"] + ":" + env["PORT"], logPath: logPath}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
	p.stop()
	return nil, fmt.Errorf("supportd did not become ready; log:\n%s", tail(logPath, 2000))
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

// database is where the run's data lives, and how to remove it.
type database struct {
	url, engine string
	drop        func()
}

// prepareDB returns the run's database: a SQLite file in dir by default, the
// given sqlite:// URL as it is, or a fresh database on the PostgreSQL server a
// postgres:// URL names (dropped by drop unless keep).
func prepareDB(ctx context.Context, raw, dir string, keep bool) (database, error) {
	switch {
	case raw == "":
		return database{url: "sqlite://" + filepath.Join(dir, "supportd.db"), engine: "sqlite", drop: func() {}}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return database{url: raw, engine: "sqlite", drop: func() {}}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, drop, err := createPostgresDB(ctx, raw)
		if err != nil {
			return database{}, fmt.Errorf("create database: %w", err)
		}
		if keep {
			drop = func() { fmt.Println("kept database", u) }
		}
		return database{url: u, engine: "postgres", drop: drop}, nil
	}
	return database{}, errors.New("-database-url must be sqlite://PATH or postgres://...")
}

// createPostgresDB creates a database on adminURL's server and returns its URL
// and a func that drops it.
func createPostgresDB(ctx context.Context, adminURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("attbench_%d_%d", os.Getpid(), time.Now().Unix())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
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
	return u.String(), drop, nil
}

// buildSupportd returns bin, or builds ./cmd/supportd into dir when it is empty.
func buildSupportd(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "supportd")
	fmt.Println("building supportd:", "go build -o", bin, "./cmd/supportd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/supportd")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build supportd: %w", err)
	}
	return bin, nil
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

// tail is the last n bytes of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
