package kbeval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outcome is what the assistant did with one question.
type Outcome struct {
	Ranked    []string // article slugs as retrieval ranked them, best first
	Declined  bool
	Reply     string
	Cited     []string // slugs the reply cites
	Retrieval time.Duration
	Total     time.Duration // retrieval and the whole reply
	Note      string        // how retrieval judged it, shown with the misses
}

// Answerer runs one question through the assistant.
type Answerer func(ctx context.Context, q Question) (Outcome, error)

// Result pairs a question with its outcome and verdicts.
type Result struct {
	Question
	Outcome
	Hit1, Hit3    bool     // answerable questions only
	PhrasesOK     bool     // every must phrase there, no must-not phrase
	PhraseProblem []string // what failed
}

// Run answers every question in order; an error stops it (the provider is
// down or the database is gone: figures without it would mislead).
func Run(ctx context.Context, qs []Question, answer Answerer) ([]Result, error) {
	out := make([]Result, 0, len(qs))
	for _, q := range qs {
		o, err := answer(ctx, q)
		if err != nil {
			return out, fmt.Errorf("question %s: %w", q.ID, err)
		}
		out = append(out, judge(q, o))
	}
	return out, nil
}

func judge(q Question, o Outcome) Result {
	r := Result{Question: q, Outcome: o, PhrasesOK: true}
	if !q.Decline && !o.Declined {
		for i, slug := range o.Ranked {
			if slices.Contains(q.Articles, slug) {
				r.Hit1, r.Hit3 = i == 0, i < 3
				break
			}
		}
	}
	reply := strings.ToLower(o.Reply)
	for _, p := range q.Must {
		if !strings.Contains(reply, strings.ToLower(p)) {
			r.PhrasesOK, r.PhraseProblem = false, append(r.PhraseProblem, "missing "+p)
		}
	}
	for _, p := range q.MustNot {
		if strings.Contains(reply, strings.ToLower(p)) {
			r.PhrasesOK, r.PhraseProblem = false, append(r.PhraseProblem, "contains "+p)
		}
	}
	return r
}
