package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalCommand runs `supportd eval` on a small question set against the
// sample help center: the report, the gate passing, and the gate failing.
func TestEvalCommand(t *testing.T) {
	env := baseEnv(t)
	env["KB_SEED_SAMPLE"] = "true"
	dir := t.TempDir()
	write := func(name, lines string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(lines), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	set := write("set.jsonl", `{"id":"a","question":"I want my money back","articles":["refund-policy"],"category":"paraphrase"}
{"id":"b","question":"¿Cómo cambio mi correo electrónico?","articles":["change-email"],"lang":"es","category":"foreign"}
{"id":"c","question":"tell me a joke","decline":true,"category":"chitchat","must_not":["joke"]}
`)
	held := write("held.jsonl", `{"id":"h","question":"how do i get an invoice","articles":["invoices-and-receipts"]}`)
	var out bytes.Buffer
	err := run(context.Background(), []string{"eval", "--min-hit3", "1", "--min-hit3-non-english", "1",
		"--min-decline-recall", "1", "--max-false-declines", "0.01", "--holdout", held, set}, lookup(env), nil, &out, &out)
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== set.jsonl: 3 questions", "100.0% (2/2)", "category chitchat", "language es",
		"== held.jsonl (held out: reported, not judged): 1 questions"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	wrong := write("wrong.jsonl", `{"id":"a","question":"I want my money back","decline":true}`)
	out.Reset()
	err = run(context.Background(), []string{"eval", "--min-decline-recall", "0.9", wrong}, lookup(env), nil, &out, &out)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "declines 0.0% of the questions to decline") {
		t.Fatalf("a failed gate: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"eval"}, lookup(env), nil, &out, &out); exitCode(err) != 2 {
		t.Errorf("no file: %v", err)
	}
	if err := run(context.Background(), []string{"eval", filepath.Join(dir, "missing.jsonl")}, lookup(env), nil, &out, &out); err == nil {
		t.Error("a missing file was accepted")
	}
}
