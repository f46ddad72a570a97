package storetest

import (
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records Fatalf and Logf instead of acting on them.
type recorder struct {
	testing.TB
	fatals, logs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// TestEngines sets environment variables, so it cannot run in parallel.
func TestEngines(t *testing.T) {
	tests := []struct {
		name, dbURL, ci string
		want            []string
		wantFatal       bool
		wantLogs        int // over two calls: the skip note appears once
	}{
		{"postgres configured", "postgres://x", "", []string{"sqlite", "postgres"}, false, 0},
		{"postgres configured in CI", "postgres://x", "true", []string{"sqlite", "postgres"}, false, 0},
		{"no postgres", "", "", []string{"sqlite"}, false, 1},
		{"no postgres in CI", "", "true", nil, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvURL, tt.dbURL)
			t.Setenv("CI", tt.ci)
			skipLog = sync.Once{}
			r := &recorder{TB: t}
			got := Engines(r)
			Engines(r)
			if gotFatal := len(r.fatals) > 0; gotFatal != tt.wantFatal {
				t.Fatalf("Engines fatal = %v (%v), want %v", gotFatal, r.fatals, tt.wantFatal)
			}
			if tt.wantFatal {
				if !strings.Contains(r.fatals[0], EnvURL) {
					t.Errorf("fatal message %q does not name %s", r.fatals[0], EnvURL)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Engines = %v, want %v", got, tt.want)
			}
			if len(r.logs) != tt.wantLogs {
				t.Errorf("Engines logged %q, want %d line(s)", r.logs, tt.wantLogs)
			}
		})
	}
}

func TestNewURLSQLite(t *testing.T) {
	t.Parallel()
	a, b := NewURL(t, "sqlite"), NewURL(t, "sqlite")
	if a == b || !strings.HasPrefix(a, "sqlite:///") {
		t.Errorf("NewURL gave %q and %q, want two distinct absolute sqlite URLs", a, b)
	}
	db := Open(t, "sqlite")
	if db.Engine() != "sqlite" {
		t.Errorf("Open gave a %s database", db.Engine())
	}
}

// TestNewURLPostgres checks the database exists during the test and is dropped after it.
func TestNewURLPostgres(t *testing.T) {
	t.Parallel()
	if !slices.Contains(Engines(t), "postgres") {
		t.Skip("needs PostgreSQL")
	}
	var name string
	t.Run("use", func(t *testing.T) {
		db := Open(t, "postgres")
		if err := db.SQL().QueryRowContext(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatalf("current_database: %v", err)
		}
		if !strings.HasPrefix(name, "supportd_test_") {
			t.Errorf("database %q is not a test database", name)
		}
	})
	admin, err := sql.Open("pgx", os.Getenv(EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %q still exists after its test", name)
	}
}
