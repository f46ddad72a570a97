package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
)

func TestBuiltinQuotesAndCitesBestPassages(t *testing.T) {
	req := sampleRequest()
	req.Passages = append(req.Passages,
		llm.Passage{ArticleID: "kb3", Title: "Two-factor login", Text: "Use your authenticator app. " + strings.Repeat("More detail follows here. ", 40)},
		llm.Passage{ArticleID: "kb4", Title: "Billing", Text: "Invoices are monthly."},
	)
	var c collector
	res, err := llm.NewBuiltin(llm.BuiltinOptions{}).Stream(t.Context(), req, c.emit)
	if err != nil {
		t.Fatal(err)
	}
	text := c.text()
	for _, want := range []string{"Open Settings, choose Security", "— from “Resetting your password”",
		"— from “Email deliverability”", "— from “Two-factor login”"} {
		if !strings.Contains(text, want) {
			t.Errorf("reply lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Billing") || strings.Count(text, "More detail follows here.") > 12 {
		t.Errorf("reply quotes more than the 3 best passages, trimmed:\n%s", text)
	}
	var ids []string
	for _, p := range res.Citations {
		ids = append(ids, p.ArticleID)
	}
	if strings.Join(ids, ",") != "kb1,kb2,kb3" {
		t.Errorf("citations %v", ids)
	}
	if res.Provider != "builtin" || res.Model != llm.BuiltinModel || res.Usage.CompletionTokens != len(strings.Fields(text)) || res.Usage.PromptTokens == 0 {
		t.Errorf("result %+v", res)
	}
}

func TestBuiltinStreamsSmallChunks(t *testing.T) {
	var c collector
	if _, err := llm.NewBuiltin(llm.BuiltinOptions{}).Stream(t.Context(), sampleRequest(), c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.deltas) < 20 {
		t.Fatalf("only %d chunks", len(c.deltas))
	}
	for _, d := range c.deltas {
		if len(strings.Fields(d)) != 1 {
			t.Fatalf("chunk %q is not one word", d)
		}
	}
}

func TestBuiltinAdmitsWhenNothingFound(t *testing.T) {
	req := sampleRequest()
	req.Passages = []llm.Passage{{Title: "Empty", Text: "  "}}
	res, text, err := stream(t, llm.NewBuiltin(llm.BuiltinOptions{}), req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "couldn't find anything in our help center") || !strings.Contains(text, "support team will follow up") {
		t.Errorf("reply %q", text)
	}
	if len(res.Citations) != 0 {
		t.Errorf("citations %+v, want none", res.Citations)
	}
}

func TestBuiltinStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	_, err := llm.NewBuiltin(llm.BuiltinOptions{ChunkDelay: time.Millisecond}).Stream(ctx, sampleRequest(), func(string) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, llm.ErrInterrupted) || n != 1 {
		t.Fatalf("err %v after %d chunks", err, n)
	}
}

func TestBuiltinReturnsEmitError(t *testing.T) {
	errGone := errors.New("gone")
	_, err := llm.NewBuiltin(llm.BuiltinOptions{}).Stream(t.Context(), sampleRequest(), func(string) error { return errGone })
	if err != errGone {
		t.Fatalf("err %v", err)
	}
}
