package support

import (
	"context"
	"fmt"
	"slices"

	"github.com/supportd/supportd/internal/textsearch"
)

// DeclineReason says why Ground found nothing to answer with.
type DeclineReason string

// Decline reasons.
const (
	DeclineNothingToSearch DeclineReason = "no_terms"     // greetings, thanks: no word worth searching
	DeclineNoMatch         DeclineReason = "no_match"     // no article shares enough of the question's words
	DeclineOffTopic        DeclineReason = "off_topic"    // mostly about what no article mentions
	DeclineOutOfScope      DeclineReason = "out_of_scope" // the assistant's instructions, other people's data
	DeclineSmallTalk       DeclineReason = "small_talk"
	DeclineOtherProduct    DeclineReason = "other_product"
)

// Grounding is what the knowledge base holds for a question.
type Grounding struct {
	Language textsearch.Lang
	// Passages are the relevant passages, best first; empty when Declined.
	Passages []Passage
	Declined bool
	Reason   DeclineReason // why, when Declined
	// Terms are the question's search terms (typos corrected), for logs and
	// the evaluation.
	Terms []string
	// Candidates are what the search ranked, before the decision: the
	// evaluation reports where the expected article stood.
	Candidates []Passage
	// Matched and Coverage describe the best article: the idf mass of the
	// question's terms it holds, and that mass's share of the question's;
	// TopicMatched the mass its title, tags and aliases hold.
	Matched, Coverage, TopicMatched float64
	// Unknown is the idf mass of the question's terms no passage holds;
	// Foreign the names in it that the knowledge base never mentions
	// (another company's product, a person); SmallTalk says it holds small
	// talk or a general-knowledge request.
	Unknown   float64
	Foreign   []string
	SmallTalk bool
}

// The relevance decision is engine-independent: it is computed in Go from
// the vocabulary's passage counts, not from the engines' BM25 scores (which
// differ in detail). Masses are in units of the weight (idf) of a word no
// passage holds, so that the thresholds do not move with the size of the
// knowledge base. Ground declines when the best article
//   - matches less than weakMatch of the question and less than weakShare of
//     its mass: one generic word never decides a match;
//   - matches less than smallTalkMatch of a question with small talk or a
//     general-knowledge request in it (the weather, a joke);
//   - matches less than foreignMatch of a question naming something the
//     knowledge base never mentions (another company's product, a person);
//   - matches less than unknownMatch of an English question whose words the
//     knowledge base has never seen weigh unknownRatio times as much as what
//     it matched (a feature no article describes). Other languages are not
//     judged so: their everyday words are rarely in the articles, only in the
//     aliases and synonyms.
//
// Set on the tuning half of the golden set (eval/golden/tuning.jsonl) with
// `supportd eval -all`; docs/retrieval.md has the figures.
const (
	weakMatch      = 0.64
	weakShare      = 0.5
	smallTalkMatch = 1.8
	foreignMatch   = 1.65
	unknownMatch   = 1.45
	unknownRatio   = 2.0
)

// candidatesPerQuery is how many passages Ground asks the store for before it
// judges them: a few articles' worth beyond the limit.
const candidatesPerQuery = 12

// Ground retrieves the passages that answer question, best first, at most limit
// (capped at MaxRetrieve) and PassagesPerArticle per article, or declines:
// nothing relevant enough, or a question out of scope (requests for the
// assistant's instructions or for other people's data). An empty knowledge
// base declines only what is out of scope: there is nothing to judge
// relevance by, and a model then answers from the ticket as before. extra is more text
// about the same request, such as the ticket's title and description: it
// helps retrieval but is not judged for scope. It is the assistant's grounding
// call, made on the customer's behalf, so it checks no actor.
func (s *KBService) Ground(ctx context.Context, question, extra string, limit int) (Grounding, error) {
	lang, _ := textsearch.Detect(question + "\n" + extra)
	g := Grounding{Language: lang, Passages: []Passage{}}
	if s.scope.outOfScope(question, lang) {
		return g.decline(DeclineOutOfScope), nil
	}
	voc, err := s.vocab.get(ctx)
	if err != nil {
		return g, fmt.Errorf("ground: %w", err)
	}
	if voc.Passages == 0 {
		return g, nil // no knowledge base to judge by: a model answers from the ticket alone
	}
	g.Terms = s.queryTerms(voc, question+"\n"+extra, lang)
	for _, t := range g.Terms {
		if voc.df(t) == 0 {
			g.Unknown += voc.idf(t)
		}
	}
	g.SmallTalk = s.scope.isSmallTalk(question, lang)
	g.Foreign = s.scope.foreignNames(question, lang, func(word string) bool {
		for _, t := range s.analyzer.Terms(word, lang) {
			if voc.df(t) > 0 || voc.correct(t) != "" {
				return true
			}
		}
		return false
	})
	if len(g.Terms) == 0 {
		return g.decline(DeclineNothingToSearch), nil
	}
	candidates, err := s.store.SearchPassages(ctx, PassageQuery{Terms: g.Terms,
		Limit: max(candidatesPerQuery, min(limit, MaxRetrieve)), PerArticle: PassagesPerArticle})
	if err != nil {
		return g, fmt.Errorf("ground: %w", err)
	}
	g.Candidates = candidates
	if len(candidates) == 0 {
		return g.decline(DeclineNoMatch), nil
	}
	best := candidates[0]
	g.Matched, g.Coverage = coverage(voc, g.Terms, append(slices.Clone(best.TopicTerms), best.Terms...))
	g.TopicMatched, _ = coverage(voc, g.Terms, best.TopicTerms)
	if reason := g.judge(voc.idf("")); reason != "" {
		return g.decline(reason), nil
	}
	g.Passages = candidates[:min(len(candidates), limit, MaxRetrieve)]
	return g, nil
}

// judge applies the relevance decision; unit is the weight of a word no
// passage holds.
func (g Grounding) judge(unit float64) DeclineReason {
	matched := g.Matched / unit
	switch {
	case g.SmallTalk && matched < smallTalkMatch:
		return DeclineSmallTalk
	case len(g.Foreign) > 0 && matched < foreignMatch:
		return DeclineOtherProduct
	case matched < weakMatch && g.Coverage < weakShare:
		return DeclineNoMatch
	case g.Language == textsearch.English && matched < unknownMatch && g.Unknown >= unknownRatio*g.Matched:
		return DeclineOffTopic
	}
	return ""
}

// rank returns the passages matching text's terms, best first, at most limit
// and PassagesPerArticle per article, without judging whether they answer it.
func (s *KBService) rank(ctx context.Context, text string, limit int) ([]Passage, error) {
	lang, _ := textsearch.Detect(text)
	voc, err := s.vocab.get(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.SearchPassages(ctx, PassageQuery{Terms: s.queryTerms(voc, text, lang), Limit: limit, PerArticle: PassagesPerArticle})
}

func (g Grounding) decline(r DeclineReason) Grounding {
	g.Declined, g.Reason, g.Passages = true, r, []Passage{}
	return g
}

// queryTerms analyses text in lang and corrects the terms the knowledge base
// has never seen to a known one a typo away; each term appears once.
func (s *KBService) queryTerms(voc *vocabulary, text string, lang textsearch.Lang) []string {
	var out []string
	for _, t := range s.analyzer.Terms(text, lang) {
		if voc.df(t) == 0 {
			if c := voc.correct(t); c != "" {
				t = c
			}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// coverage returns the idf mass of the query terms that passage terms hold,
// and its share of all the query terms' mass.
func coverage(voc *vocabulary, query, passage []string) (matched, share float64) {
	held := make(map[string]bool, len(passage))
	for _, t := range passage {
		held[t] = true
	}
	total := 0.0
	for _, t := range query {
		w := voc.idf(t)
		total += w
		if held[t] {
			matched += w
		}
	}
	if total == 0 {
		return 0, 0
	}
	return matched, matched / total
}
