package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// In production, the SQLite file supportd falls back to without a configured
// database is refused by every command that opens the database; SQLite named
// in DATABASE_URL is accepted.
func TestProductionRefusesTheSQLiteFallback(t *testing.T) {
	prod := func(t *testing.T) map[string]string {
		e := baseEnv(t)
		e["SUPPORTD_ENV"] = "production"
		e["SECRET_KEY"] = "3f9b1c7e0a2d84f6b5e1c9a07d3e2f8b6a4c1d0e9f7b3a5c2e8d1f6a0b4c7e9d"
		return e
	}
	for _, args := range [][]string{{"serve"}, {"migrate"}, {"kb", "import", "."}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			e := prod(t)
			var out bytes.Buffer
			err := run(context.Background(), args, lookup(e), nil, &out, &out)
			if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), "\n") || exitCode(err) != 1 {
				t.Fatalf("err %v, want one line naming DATABASE_URL", err)
			}
			if _, serr := os.Stat(filepath.Join(e["DATA_DIR"], "supportd.db")); serr == nil {
				t.Error("the fallback database file was created anyway")
			}
		})
	}
	t.Run("explicit sqlite", func(t *testing.T) {
		e := prod(t)
		e["DATABASE_URL"] = "sqlite://" + filepath.ToSlash(filepath.Join(e["DATA_DIR"], "chosen.db"))
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, lookup(e), nil, &out, &out); err != nil {
			t.Fatalf("explicit SQLite refused in production: %v", err)
		}
		if !strings.Contains(out.String(), "migrations applied") {
			t.Fatalf("output %q", out.String())
		}
	})
	t.Run("development keeps the fallback", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate"}, lookup(baseEnv(t)), nil, &out, &out); err != nil {
			t.Fatalf("development: %v", err)
		}
	})
}
