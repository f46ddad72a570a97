// Package kbeval measures how well the assistant answers from the knowledge
// base: it runs a set of labelled customer questions through retrieval and a
// provider and reports hit@1 and hit@3 (is an expected article ranked first,
// or among the first three), how precisely and completely it declines what
// the knowledge base does not cover, how often its answers cite an article,
// required and forbidden phrases, and latency, overall and per category and
// language. `supportd eval` prints the report and can fail below a Gate.
package kbeval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Question is one labelled customer question (one line of a JSON Lines file).
type Question struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Articles []string `json:"articles,omitempty"` // slugs that answer it; any counts
	Decline  bool     `json:"decline,omitempty"`  // nothing answers it: the assistant must decline
	Lang     string   `json:"lang"`               // en, es, fr, de, pt, it or nl
	Category string   `json:"category"`
	Must     []string `json:"must,omitempty"`     // phrases the reply must contain (case-insensitive)
	MustNot  []string `json:"must_not,omitempty"` // phrases it must not contain
}

// maxLine bounds one question line: a long rambling question is a few KB.
const maxLine = 64 << 10

// Load reads a question set in JSON Lines: one object per line, blank lines
// and lines starting with "//" skipped. Errors name the line.
func Load(r io.Reader) ([]Question, error) {
	var qs []Question
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		q, err := parseLine(line)
		if err == nil && seen[q.ID] {
			err = fmt.Errorf("id %q appears twice", q.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		seen[q.ID] = true
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	if len(qs) == 0 {
		return nil, errors.New("no questions")
	}
	return qs, nil
}

func parseLine(line string) (Question, error) {
	var q Question
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return q, err
	}
	switch {
	case q.ID == "":
		return q, errors.New("no id")
	case strings.TrimSpace(q.Question) == "":
		return q, errors.New("no question")
	case q.Decline && len(q.Articles) > 0:
		return q, errors.New("both decline and articles")
	case !q.Decline && len(q.Articles) == 0:
		return q, errors.New("neither decline nor articles")
	}
	if q.Lang == "" {
		q.Lang = "en"
	}
	if q.Category == "" {
		q.Category = "uncategorised"
	}
	return q, nil
}
