package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// database is where the run's data lives, and how to remove it.
type database struct {
	url, engine string
	drop        func()
}

// prepareDB returns the run's database: a SQLite file in dir by default, the
// given sqlite:// URL as it is, or a fresh database on the PostgreSQL server a
// postgres:// URL names (dropped by drop).
func prepareDB(ctx context.Context, raw, dir string) (database, error) {
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
	name := fmt.Sprintf("webhookbench_%d_%d", os.Getpid(), time.Now().Unix())
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

// testsRunning reports whether `pgrep -f "go test"` finds a process (other
// than this program, whose command line does not contain it).
func testsRunning() bool {
	return exec.Command("pgrep", "-f", "go test").Run() == nil
}

// waitTests waits, polling every 20 s and at most maxWait, while a `go test`
// runs on the machine (it shares the 2 cores), and says what it did.
func waitTests(maxWait time.Duration) {
	deadline := time.Now().Add(maxWait)
	waited := false
	for testsRunning() {
		if time.Now().After(deadline) {
			fmt.Println("  a `go test` is still running after", maxWait, "- measuring anyway (figures overlap other load)")
			return
		}
		if !waited {
			fmt.Println("  waiting for a running `go test` to end (poll every 20 s)...")
			waited = true
		}
		time.Sleep(20 * time.Second)
	}
	if waited {
		fmt.Println("  no `go test` running any more")
	}
}

// loadWatch samples, every second during a measurement, whether a `go test`
// runs: a run that overlapped one is reported as such.
type loadWatch struct {
	stop chan struct{}
	done chan bool
}

func watchLoad() *loadWatch {
	w := &loadWatch{stop: make(chan struct{}), done: make(chan bool, 1)}
	go func() {
		seen := testsRunning()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				w.done <- seen
				return
			case <-t.C:
				seen = seen || testsRunning()
			}
		}
	}()
	return w
}

// end reports whether a `go test` ran at any sample.
func (w *loadWatch) end() bool {
	close(w.stop)
	return <-w.done
}

func cpuModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAvg() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func has(list, item string) bool { return slices.Contains(strings.Split(list, ","), item) }

// pcts are percentiles of a set of durations.
type pcts struct {
	P50, P90, P99, Max time.Duration
	N                  int
}

func percentiles(ds []time.Duration) pcts {
	if len(ds) == 0 {
		return pcts{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) time.Duration { return s[min(len(s)-1, int(f*float64(len(s))))] }
	return pcts{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: s[len(s)-1], N: len(s)}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
