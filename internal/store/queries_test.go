package store

import (
	"strings"
	"testing"
)

func TestLoadQueriesEmbedded(t *testing.T) {
	t.Parallel()
	q, err := loadQueries(queriesSQL)
	if err != nil {
		t.Fatalf("queries.sql: %v", err)
	}
	if !strings.HasPrefix(q.createTicket, "INSERT INTO tickets") || strings.HasSuffix(q.createTicket, ";") {
		t.Errorf("create-ticket = %q, want the INSERT without its semicolon", q.createTicket)
	}
	for name, text := range q.targets() {
		if strings.Contains(*text, "-- ") {
			t.Errorf("query %s kept a comment: %q", name, *text)
		}
	}
}

func TestLoadQueriesErrors(t *testing.T) {
	t.Parallel()
	valid, err := parseQueries(queriesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for name, text := range valid {
		if name != "ticket-exists" {
			all.WriteString("-- name: " + name + "\n" + text + ";\n")
		}
	}
	missing := all.String()
	tests := []struct{ name, src, want string }{
		{"missing", missing, `missing query "ticket-exists"`},
		{"unknown", missing + "-- name: ticket-exists\nSELECT 1;\n-- name: typo\nSELECT 1;\n", `unknown query "typo"`},
		{"duplicate", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", `query "a" defined twice`},
		{"empty", "-- name: a\n-- only a comment\n", `query "a" is empty`},
		{"no name", "-- name:\nSELECT 1;\n", "without a name"},
	}
	for _, tt := range tests {
		_, err := loadQueries(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: loadQueries error = %v, want %q", tt.name, err, tt.want)
		}
	}
}
