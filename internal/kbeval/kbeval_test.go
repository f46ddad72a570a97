package kbeval

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoadRejectsBadLines(t *testing.T) {
	for name, text := range map[string]string{
		"bad json":       `{"id":`,
		"unknown field":  `{"id":"a","question":"q","articles":["x"],"slug":"x"}`,
		"no id":          `{"question":"q","articles":["x"]}`,
		"no question":    `{"id":"a","question":" ","articles":["x"]}`,
		"both labels":    `{"id":"a","question":"q","articles":["x"],"decline":true}`,
		"neither label":  `{"id":"a","question":"q"}`,
		"duplicate id":   `{"id":"a","question":"q","articles":["x"]}` + "\n" + `{"id":"a","question":"r","decline":true}`,
		"only a comment": "// nothing",
	} {
		if _, err := Load(strings.NewReader(text)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	qs, err := Load(strings.NewReader("// a comment\n\n" + `{"id":"a","question":"q","articles":["x"]}` + "\n" +
		`{"id":"b","question":"r","decline":true,"lang":"de","category":"offtopic"}`))
	if err != nil || len(qs) != 2 || qs[0].Lang != "en" || qs[0].Category != "uncategorised" || qs[1].Lang != "de" {
		t.Fatalf("Load = %+v, %v", qs, err)
	}
	if _, err := Load(strings.NewReader(`{"id":"a"`)); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("error %v does not name the line", err)
	}
}

// fixed answers each question from a table keyed by id.
func fixed(outcomes map[string]Outcome) Answerer {
	return func(_ context.Context, q Question) (Outcome, error) {
		o, ok := outcomes[q.ID]
		if !ok {
			return Outcome{}, errors.New("no outcome for " + q.ID)
		}
		return o, nil
	}
}

func TestRunJudgesAndSummarises(t *testing.T) {
	qs := []Question{
		{ID: "first", Question: "q", Articles: []string{"a"}, Lang: "en", Category: "keyword", Must: []string{"Refund"}},
		{ID: "third", Question: "q", Articles: []string{"a", "b"}, Lang: "es", Category: "foreign"},
		{ID: "missed", Question: "q", Articles: []string{"a"}, Lang: "en", Category: "paraphrase"},
		{ID: "wrongly-declined", Question: "q", Articles: []string{"a"}, Lang: "en", Category: "paraphrase"},
		{ID: "declined", Question: "q", Decline: true, Lang: "en", Category: "offtopic", MustNot: []string{"secret"}},
		{ID: "answered", Question: "q", Decline: true, Lang: "fr", Category: "offtopic"},
	}
	results, err := Run(t.Context(), qs, fixed(map[string]Outcome{
		"first":            {Ranked: []string{"a", "c"}, Reply: "a refund", Cited: []string{"a"}, Total: time.Millisecond},
		"third":            {Ranked: []string{"c", "d", "b"}, Reply: "x"},
		"missed":           {Ranked: []string{"c", "d", "e", "a"}, Reply: "x", Cited: []string{"c"}},
		"wrongly-declined": {Ranked: []string{"a"}, Declined: true},
		"declined":         {Declined: true, Reply: "a person will answer"},
		"answered":         {Ranked: []string{"c"}, Reply: "the secret", Cited: []string{"c"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	rep := Summarise("test", results)
	m := rep.Overall
	if m.Answerable != 4 || m.Hit1 != 1 || m.Hit3 != 2 || m.FalseDeclines != 1 || m.ShouldDecline != 2 ||
		m.RightDeclines != 1 || m.Declined != 2 || m.Answered != 4 || m.Grounded != 3 || m.WithPhrases != 2 || m.PhrasesOK != 2 {
		t.Fatalf("metrics %+v", m)
	}
	if ne := rep.NonEnglish; ne.Questions != 2 || ne.Hit3 != 1 || ne.Answerable != 1 {
		t.Errorf("non-English %+v", ne)
	}
	if rep.ByCategory["paraphrase"].Questions != 2 || rep.ByLang["fr"].ShouldDecline != 1 {
		t.Errorf("groups %+v %+v", rep.ByCategory["paraphrase"], rep.ByLang["fr"])
	}
	failed := Gate{MinHit3: 0.5, MinHit3NonEnglish: 1, MinDeclineRecall: 0.9, MaxFalseDeclines: 0.2}.Check(rep)
	if len(failed) != 2 || !strings.Contains(failed[0], "declines 50.0%") || !strings.Contains(failed[1], "25.0% of answerable") {
		t.Errorf("gate failures %q", failed)
	}
	if failed := (Gate{}).Check(rep); len(failed) != 0 {
		t.Errorf("the zero gate failed %q", failed)
	}
	var out bytes.Buffer
	rep.Write(&out, Misses)
	for _, want := range []string{"hit@3", "50.0% (2/4)", "missed", "wrongly-declined", "answered, should decline"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "  first ") {
		t.Errorf("a right answer listed among the misses:\n%s", out.String())
	}
}

func TestRunStopsOnAnError(t *testing.T) {
	qs := []Question{{ID: "a", Question: "q", Articles: []string{"x"}}}
	if _, err := Run(t.Context(), qs, fixed(nil)); err == nil || !strings.Contains(err.Error(), "question a") {
		t.Fatalf("err %v", err)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got := percentiles(ds); got != "51ms/96ms/100ms" {
		t.Errorf("percentiles = %s", got)
	}
	if percentiles(nil) != "-" {
		t.Error("no durations")
	}
}
