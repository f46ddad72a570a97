package benchkit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database is where a run's data lives, and how to remove it.
type Database struct {
	URL, Engine string // Engine is "sqlite" or "postgres"
	Drop        func()
}

// PrepareDB returns the run's database: a SQLite file in dir when raw is
// empty, a sqlite:// URL as it is, or a fresh database (named prefix_pid_unix)
// on the PostgreSQL server a postgres:// URL names, which Drop drops unless
// keep (then Drop prints its URL).
func PrepareDB(ctx context.Context, raw, dir, prefix string, keep bool) (Database, error) {
	switch {
	case raw == "":
		return Database{URL: "sqlite://" + filepath.Join(dir, "supportd.db"), Engine: "sqlite", Drop: func() {}}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return Database{URL: raw, Engine: "sqlite", Drop: func() {}}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, drop, err := CreatePostgresDB(ctx, raw, prefix)
		if err != nil {
			return Database{}, fmt.Errorf("create database: %w", err)
		}
		if keep {
			drop = func() { fmt.Println("kept database", u) }
		}
		return Database{URL: u, Engine: "postgres", Drop: drop}, nil
	}
	return Database{}, errors.New("-database-url must be sqlite://PATH or postgres://...")
}

// CreatePostgresDB creates a database named prefix_pid_unix on adminURL's
// server and returns its URL (adminURL with the path replaced) and a func
// that drops it.
func CreatePostgresDB(ctx context.Context, adminURL, prefix string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().Unix())
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
