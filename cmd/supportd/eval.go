package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/kbeval"
	"github.com/supportd/supportd/internal/support"
)

// rankDepth is how many articles eval asks retrieval to rank for hit@3.
const rankDepth = 10

// evalCmd runs question sets through the configured knowledge base and
// provider (`supportd eval [flags] FILE...`): one report per file, then all
// files together, which the gate flags judge. A --holdout file is reported,
// never judged: it is the part of a golden set nobody tunes against, and a
// gate on it would invite just that.
func evalCmd(ctx context.Context, e env, args []string) error {
	var gate kbeval.Gate
	var verbose, all bool
	var holdout string
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Float64Var(&gate.MinHit3, "min-hit3", 0, "fail when hit@3 over all files is below this fraction (0: not checked)")
	fs.Float64Var(&gate.MinHit3NonEnglish, "min-hit3-non-english", 0, "likewise for the non-English questions")
	fs.Float64Var(&gate.MinDeclineRecall, "min-decline-recall", 0, "fail when fewer of the questions to decline are declined")
	fs.Float64Var(&gate.MaxFalseDeclines, "max-false-declines", 0, "fail when more of the answerable questions are declined")
	fs.BoolVar(&verbose, "v", false, "list every question that went wrong")
	fs.BoolVar(&all, "all", false, "list every question, with how retrieval judged it")
	fs.StringVar(&holdout, "holdout", "", "a held-out question set to report (totals only), outside the gate")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: supportd eval [flags] FILE... (JSON Lines question sets)", errUsage)
	}
	sets, err := loadSets(fs.Args())
	if err != nil {
		return err
	}
	var held [][]kbeval.Question
	if holdout != "" {
		if held, err = loadSets([]string{holdout}); err != nil {
			return err
		}
	}
	cfg, log, err := setup(e)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, app.Options{Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	var results []kbeval.Result
	for i, qs := range sets {
		set, err := kbeval.Run(ctx, qs, answerer(a))
		if err != nil {
			return err
		}
		kbeval.Summarise(filepath.Base(fs.Arg(i)), set).Write(e.stdout, detail(verbose, all))
		results = append(results, set...)
	}
	if len(sets) > 1 {
		kbeval.Summarise("all files", results).Write(e.stdout, kbeval.Tables)
	}
	if held != nil {
		set, err := kbeval.Run(ctx, held[0], answerer(a))
		if err != nil {
			return err
		}
		kbeval.Summarise(filepath.Base(holdout)+" (held out: reported, not judged)", set).Write(e.stdout, kbeval.Tables)
		kbeval.Summarise("all, with the held-out set", append(slices.Clone(results), set...)).Write(e.stdout, kbeval.Tables)
	}
	if failed := gate.Check(kbeval.Summarise("all", results)); len(failed) > 0 {
		return errors.New("eval gate: " + strings.Join(failed, "; "))
	}
	return nil
}

func loadSets(paths []string) ([][]kbeval.Question, error) {
	var sets [][]kbeval.Question
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		qs, err := kbeval.Load(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		sets = append(sets, qs)
	}
	return sets, nil
}

// answerer ranks articles for the question (deeper than a reply's prompt, for
// hit@3) and writes the reply the assistant would give.
func answerer(a *app.App) kbeval.Answerer {
	return func(ctx context.Context, q kbeval.Question) (kbeval.Outcome, error) {
		g, err := a.KB.Ground(ctx, q.Question, "", rankDepth*support.PassagesPerArticle)
		if err != nil {
			return kbeval.Outcome{}, err
		}
		ans, err := a.Assistant.Answer(ctx, q.Question)
		if err != nil {
			return kbeval.Outcome{}, err
		}
		ag := ans.Grounding
		o := kbeval.Outcome{Declined: ag.Declined, Reply: ans.Text, Retrieval: ans.Retrieval, Total: ans.Total,
			Note: fmt.Sprintf("%s matched %.1f coverage %.2f topic %.1f score %.2f unknown %.1f foreign %d smalltalk %t %s",
				ag.Language, ag.Matched, ag.Coverage, ag.TopicMatched, topScore(ag), ag.Unknown, len(ag.Foreign), ag.SmallTalk, ag.Reason)}
		for _, p := range g.Candidates {
			if !slices.Contains(o.Ranked, p.Slug) {
				o.Ranked = append(o.Ranked, p.Slug)
			}
		}
		slugs := map[string]string{}
		for _, p := range ans.Grounding.Passages {
			slugs[p.ArticleID] = p.Slug
		}
		for _, c := range ans.Result.Citations {
			o.Cited = append(o.Cited, slugs[c.ArticleID])
		}
		return o, nil
	}
}

func topScore(g support.Grounding) float64 {
	if len(g.Candidates) == 0 {
		return 0
	}
	return g.Candidates[0].Score
}

func detail(verbose, all bool) kbeval.Detail {
	switch {
	case all:
		return kbeval.All
	case verbose:
		return kbeval.Misses
	}
	return kbeval.Tables
}
