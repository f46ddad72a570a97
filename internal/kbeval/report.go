package kbeval

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Metrics summarise a group of results.
type Metrics struct {
	Questions     int
	Answerable    int // questions with expected articles
	Hit1, Hit3    int // of Answerable
	FalseDeclines int // answerable questions declined
	ShouldDecline int // questions labelled decline
	RightDeclines int // of ShouldDecline, declined
	Declined      int // all declined questions
	Answered      int // not declined
	Grounded      int // of Answered, citing an article
	WithPhrases   int // questions with must / must-not phrases
	PhrasesOK     int
	Retrieval     []time.Duration
	Total         []time.Duration
}

func (m *Metrics) add(r Result) {
	m.Questions++
	if r.Decline {
		m.ShouldDecline++
		if r.Declined {
			m.RightDeclines++
		}
	} else {
		m.Answerable++
		m.Hit1 += b2i(r.Hit1)
		m.Hit3 += b2i(r.Hit3)
		m.FalseDeclines += b2i(r.Declined)
	}
	if r.Declined {
		m.Declined++
	} else {
		m.Answered++
		m.Grounded += b2i(len(r.Cited) > 0)
	}
	if len(r.Must)+len(r.MustNot) > 0 {
		m.WithPhrases++
		m.PhrasesOK += b2i(r.PhrasesOK)
	}
	m.Retrieval = append(m.Retrieval, r.Outcome.Retrieval)
	m.Total = append(m.Total, r.Outcome.Total)
}

// Rates, as fractions; NaN-free: an empty group rates 0.
func (m Metrics) Hit1Rate() float64         { return ratio(m.Hit1, m.Answerable) }
func (m Metrics) Hit3Rate() float64         { return ratio(m.Hit3, m.Answerable) }
func (m Metrics) DeclineRecall() float64    { return ratio(m.RightDeclines, m.ShouldDecline) }
func (m Metrics) DeclinePrecision() float64 { return ratio(m.RightDeclines, m.Declined) }
func (m Metrics) FalseDeclineRate() float64 { return ratio(m.FalseDeclines, m.Answerable) }
func (m Metrics) GroundingRate() float64    { return ratio(m.Grounded, m.Answered) }
func (m Metrics) PhraseRate() float64       { return ratio(m.PhrasesOK, m.WithPhrases) }

// Report is the metrics of a run, overall and by group.
type Report struct {
	Name       string
	Overall    Metrics
	ByCategory map[string]*Metrics
	ByLang     map[string]*Metrics
	NonEnglish Metrics
	Results    []Result
}

// Summarise groups results into a Report.
func Summarise(name string, results []Result) Report {
	rep := Report{Name: name, ByCategory: map[string]*Metrics{}, ByLang: map[string]*Metrics{}, Results: results}
	for _, r := range results {
		rep.Overall.add(r)
		group(rep.ByCategory, r.Category).add(r)
		group(rep.ByLang, r.Lang).add(r)
		if r.Lang != "en" {
			rep.NonEnglish.add(r)
		}
	}
	return rep
}

func group(m map[string]*Metrics, key string) *Metrics {
	if m[key] == nil {
		m[key] = &Metrics{}
	}
	return m[key]
}

// Detail says how much Write prints beside the tables.
type Detail int

// Details.
const (
	Tables Detail = iota
	Misses        // every question that went wrong
	All           // every question
)

// Write prints the report as aligned tables, and the questions detail asks for.
func (rep Report) Write(w io.Writer, detail Detail) {
	fmt.Fprintf(w, "== %s: %d questions\n", rep.Name, rep.Overall.Questions)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tquestions\thit@1\thit@3\tdecline prec.\tdecline recall\tfalse declines\tgrounded\tphrases\tretrieval p50/p95/p99\ttotal p50/p95/p99\t")
	row := func(name string, m Metrics) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, m.Questions,
			pct(m.Hit1, m.Answerable), pct(m.Hit3, m.Answerable), pct(m.RightDeclines, m.Declined),
			pct(m.RightDeclines, m.ShouldDecline), pct(m.FalseDeclines, m.Answerable), pct(m.Grounded, m.Answered),
			pct(m.PhrasesOK, m.WithPhrases), percentiles(m.Retrieval), percentiles(m.Total))
	}
	row("all", rep.Overall)
	row("non-English", rep.NonEnglish)
	for _, k := range sortedKeys(rep.ByCategory) {
		row("category "+k, *rep.ByCategory[k])
	}
	for _, k := range sortedKeys(rep.ByLang) {
		row("language "+k, *rep.ByLang[k])
	}
	tw.Flush()
	if detail > Tables {
		rep.writeQuestions(w, detail == All)
	}
}

// writeQuestions lists the questions that went wrong (or all), for whoever tunes.
func (rep Report) writeQuestions(w io.Writer, all bool) {
	for _, r := range rep.Results {
		var what string
		switch {
		case r.Decline && !r.Declined:
			what = "answered, should decline; ranked " + strings.Join(first(r.Ranked, 3), ",")
		case !r.Decline && r.Declined:
			what = "declined, expected " + strings.Join(r.Articles, ",") + "; ranked " + strings.Join(first(r.Ranked, 3), ",")
		case !r.Decline && !r.Hit3:
			what = "miss: expected " + strings.Join(r.Articles, ",") + "; ranked " + strings.Join(first(r.Ranked, 3), ",")
		case !r.PhrasesOK:
			what = strings.Join(r.PhraseProblem, "; ")
		case all && r.Decline:
			what = "declined"
		case all:
			what = "ok; ranked " + strings.Join(first(r.Ranked, 3), ",")
		default:
			continue
		}
		fmt.Fprintf(w, "  %s [%s %s] %s (%s)\n      %q\n", r.ID, r.Lang, r.Category, what, r.Note, r.Question.Question)
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func sortedKeys(m map[string]*Metrics) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(n)/float64(d), n, d)
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// percentiles formats the 50th, 95th and 99th percentiles (nearest rank).
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.SortFunc(s, cmp.Compare)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("%s/%s/%s", round(at(0.50)), round(at(0.95)), round(at(0.99)))
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Gate is the minimum a run must reach; zero fields are not checked.
type Gate struct {
	MinHit3           float64 // overall
	MinHit3NonEnglish float64
	MinDeclineRecall  float64
	MaxFalseDeclines  float64 // share of answerable questions declined
}

// Check returns what rep fails, or nothing.
func (g Gate) Check(rep Report) []string {
	var failed []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			failed = append(failed, fmt.Sprintf(format, args...))
		}
	}
	m, ne := rep.Overall, rep.NonEnglish
	check(g.MinHit3 == 0 || m.Hit3Rate() >= g.MinHit3, "hit@3 %.1f%% is below %.1f%%", 100*m.Hit3Rate(), 100*g.MinHit3)
	check(g.MinHit3NonEnglish == 0 || ne.Hit3Rate() >= g.MinHit3NonEnglish,
		"non-English hit@3 %.1f%% is below %.1f%%", 100*ne.Hit3Rate(), 100*g.MinHit3NonEnglish)
	check(g.MinDeclineRecall == 0 || m.DeclineRecall() >= g.MinDeclineRecall,
		"declines %.1f%% of the questions to decline, below %.1f%%", 100*m.DeclineRecall(), 100*g.MinDeclineRecall)
	check(g.MaxFalseDeclines == 0 || m.FalseDeclineRate() <= g.MaxFalseDeclines,
		"declines %.1f%% of answerable questions, above %.1f%%", 100*m.FalseDeclineRate(), 100*g.MaxFalseDeclines)
	return failed
}
