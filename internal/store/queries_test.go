package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

// embeddedSets loads the embedded query files the way Open does.
func embeddedSets(t *testing.T) (*queries, *kbQueries) {
	t.Helper()
	s, err := loadStatements()
	if err != nil {
		t.Fatalf("embedded query files: %v", err)
	}
	return &s.q, &s.kq
}

func TestLoadQueriesEmbedded(t *testing.T) {
	t.Parallel()
	q, kq := embeddedSets(t)
	if !strings.HasPrefix(q.createTicket, "INSERT INTO tickets") || strings.HasSuffix(q.createTicket, ";") {
		t.Errorf("create-ticket = %q, want the INSERT without its semicolon", q.createTicket)
	}
	if !strings.HasPrefix(kq.createArticle, "INSERT INTO kb_articles") {
		t.Errorf("create-article = %q", kq.createArticle)
	}
	for _, set := range []querySet{q, kq} {
		for name, text := range set.targets() {
			if strings.Contains(*text, "-- ") {
				t.Errorf("query %s kept a comment: %q", name, *text)
			}
		}
	}
}

func TestLoadQueriesErrors(t *testing.T) {
	t.Parallel()
	src, err := queryFiles.ReadFile("queries.sql")
	if err != nil {
		t.Fatal(err)
	}
	valid, err := parseQueries(string(src))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for name, text := range valid {
		if name != "user-by-id" {
			all.WriteString("-- name: " + name + "\n" + text + ";\n")
		}
	}
	missing := all.String()
	complete := missing + "-- name: user-by-id\nSELECT 1;\n"
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"missing", files("queries.sql", missing), `queries.sql: missing query "user-by-id"`},
		{"unknown", files("queries.sql", complete+"-- name: typo\nSELECT 1;\n"), `unknown query "typo"`},
		{"duplicate", files("queries.sql", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n"), `query "a" defined twice`},
		{"empty", files("queries.sql", "-- name: a\n-- only a comment\n"), `query "a" is empty`},
		{"no name", files("queries.sql", "-- name:\nSELECT 1;\n"), "without a name"},
		{"no file", fstest.MapFS{}, "queries.sql: file not found"},
		{"file nobody reads", files("queries.sql", complete, "x_queries.sql", "-- name: x\nSELECT 1;\n"), "x_queries.sql: no query set reads this file"},
		{"name in two files", files("queries.sql", complete, "ai_queries.sql", "-- name: user-by-id\nSELECT 2;\n"), `query "user-by-id" is also defined in`},
		{"bad own-loader file", files("queries.sql", complete, "ai_queries.sql", "-- name: a\n"), `ai_queries.sql: query "a" is empty`},
	}
	for _, tt := range tests {
		var q queries
		err := loadQueries(tt.files, map[string]querySet{"queries.sql": &q})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: loadQueries error = %v, want %q", tt.name, err, tt.want)
		}
	}
	var q queries
	if err := loadQueries(files("queries.sql", complete, "ai_queries.sql", "-- name: ai\nSELECT 1;\n", "notes.sql", "junk"), map[string]querySet{"queries.sql": &q}); err != nil {
		t.Errorf("loadQueries with an own-loader file and a non-query file: %v", err)
	}
}

// files builds a file system from name, content pairs.
func files(nameContent ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i < len(nameContent); i += 2 {
		fsys[nameContent[i]] = &fstest.MapFile{Data: []byte(nameContent[i+1])}
	}
	return fsys
}
