package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/store"
)

// kbCLI runs supportd with args against one SQLite database in a temp dir,
// with the sample seeding left at its development default (on).
type kbCLI struct {
	t   *testing.T
	env map[string]string
}

func newKBCLI(t *testing.T) *kbCLI {
	dir := t.TempDir()
	return &kbCLI{t: t, env: map[string]string{
		"DATABASE_URL": "sqlite://" + filepath.Join(dir, "kb.db"), "DATA_DIR": dir, "LOG_LEVEL": "warn",
	}}
}

func (c *kbCLI) run(args ...string) (string, error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	err := run(context.Background(), args, lookup, nil, &out, &errOut)
	return out.String(), err
}

func writeArticle(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestKBImportTwice(t *testing.T) {
	c := newKBCLI(t)
	dir := t.TempDir()
	writeArticle(t, dir, "printer-jams.md", "---\ntitle: Clearing printer jams\ntags: [hardware]\n---\nOpen tray two.\n\n## Still stuck?\nCall us.")
	writeArticle(t, dir, "toner.md", "# Replacing toner\nShake the cartridge.")
	writeArticle(t, dir, "notes.txt", "not an article")
	for _, want := range []string{
		"imported 2 articles: 2 created, 0 updated, 0 unchanged\n",
		"imported 2 articles: 0 created, 0 updated, 2 unchanged\n",
	} {
		out, err := c.run("kb", "import", dir)
		if err != nil || out != want {
			t.Fatalf("kb import = %q, %v; want %q", out, err, want)
		}
	}
	writeArticle(t, dir, "toner.md", "# Replacing toner\nShake the cartridge, then reseat it.")
	if out, err := c.run("kb", "import", dir); err != nil || out != "imported 2 articles: 0 created, 1 updated, 1 unchanged\n" {
		t.Fatalf("kb import after an edit = %q, %v", out, err)
	}
	db, err := store.Open(context.Background(), c.env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountArticles(context.Background()); err != nil || n != 2 {
		t.Errorf("knowledge base has %d articles (%v), want just the 2 imported: no sample", n, err)
	}
}

func TestKBImportErrors(t *testing.T) {
	c := newKBCLI(t)
	broken, badName := t.TempDir(), t.TempDir()
	writeArticle(t, broken, "good.md", "# Good\nBody")
	writeArticle(t, broken, "broken.md", "---\ntitle: Never closed\n")
	writeArticle(t, badName, "Bad Name.md", "# Fine title\nFine body")
	tests := []struct {
		args     []string
		want     string
		exitCode int
	}{
		{[]string{"kb", "import", broken}, "broken.md", 1},
		{[]string{"kb", "import", badName}, filepath.Join(badName, "Bad Name.md") + ": validation failed; slug must be", 1},
		{[]string{"kb", "import", filepath.Join(broken, "missing")}, "is not a directory", 1},
		{[]string{"kb"}, "supportd kb import DIR", 2},
		{[]string{"kb", "export", broken}, "supportd kb import DIR", 2},
		{[]string{"kb", "import"}, "supportd kb import DIR", 2},
		{[]string{"kb", "import", broken, badName}, "supportd kb import DIR", 2},
	}
	for _, tt := range tests {
		_, err := c.run(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != tt.exitCode {
			t.Errorf("%v: error %v (exit %d), want %q (exit %d)", tt.args, err, exitCode(err), tt.want, tt.exitCode)
		}
	}
}
