package llm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Selection limits of the built-in responder.
const (
	builtinMaxPassages = 3
	// builtinReplyRunes is the quoted text a reply aims at: a few sentences
	// or one procedure, read in under a minute. A single larger unit (a long
	// numbered list) is still quoted whole.
	builtinReplyRunes = 800
	// builtinFallbackRunes is how much of the best passage's start is quoted
	// when no unit shares a term with the question.
	builtinFallbackRunes = 350
	// A unit of the best passage is quoted when it scores at least
	// builtinKeepRatio of the best unit; a unit of a lower passage needs
	// builtinLowerRatio: lower passages are quoted for what they add.
	builtinKeepRatio  = 0.35
	builtinLowerRatio = 0.6
	// headingBonus weighs the question terms of a unit's heading against
	// those of its own text; stepsBonus is the share of the best unit's
	// score added to a numbered list that matches a "how" question.
	headingBonus = 0.3
	stepsBonus   = 0.35
	// introWeight and questionWeight scale the scores of an article's
	// introduction and of its questions (see unitScore).
	introWeight    = 0.7
	questionWeight = 0.5
	// typicalTerms is the number of terms of a long sentence.
	typicalTerms = 24
)

// candidate is a passage split into units, with the units chosen to quote.
type candidate struct {
	passage Passage
	units   []*unit
	chosen  map[*unit]bool
}

// compose writes the whole reply and returns it with the passages it quotes.
func (b *Builtin) compose(req Request) (string, []Passage) {
	ph := builtinPhrasesFor(req.Language)
	ack := acknowledgeFiles(req.Thread, ph)
	if ack != "" {
		ack += " "
	}
	if req.Declined {
		return ack + ph.Decline, nil
	}
	cands := candidates(req.Passages)
	if len(cands) == 0 {
		return ack + ph.Decline, nil
	}
	question := builtinQuestion(req)
	q := uniqueTerms(b.terms(question, req.Language))
	scoreUnits(cands, q, b.terms, asksHow(question, ph))
	chooseUnits(cands)
	return ack + renderReply(cands, ph), quotedPassages(cands)
}

// candidates splits the best passages that have any text into units.
func candidates(ps []Passage) []*candidate {
	var out []*candidate
	for _, p := range ps {
		if len(out) == builtinMaxPassages {
			break
		}
		if us := passageUnits(p.Text); len(us) > 0 {
			out = append(out, &candidate{passage: p, units: us, chosen: map[*unit]bool{}})
		}
	}
	return out
}

// builtinQuestion is the text the reply must answer: Question, or when a
// caller did not set it, the ticket and what the customer wrote.
func builtinQuestion(req Request) string {
	if strings.TrimSpace(req.Question) != "" {
		return req.Question
	}
	parts := []string{req.TicketTitle, req.TicketDescription}
	for _, t := range req.Thread {
		if t.Sender == SenderUser {
			parts = append(parts, t.Content)
		}
	}
	return strings.Join(parts, "\n")
}

// scoreUnits scores each unit by the question terms it holds, each weighted
// by its inverse document frequency over all units, so "invoice" counts
// more than "account" when every passage mentions accounts.
func scoreUnits(cands []*candidate, q []string, terms func(text, lang string) []string, how bool) {
	n, df := 0, map[string]int{}
	headings := map[string]map[string]bool{}
	for _, c := range cands {
		for _, u := range c.units {
			n++
			u.terms = termSet(terms(u.text, "en"))
			for _, t := range q {
				if u.terms[t] {
					df[t]++
				}
			}
			if _, ok := headings[u.heading]; !ok {
				headings[u.heading] = termSet(terms(u.heading, "en"))
			}
		}
	}
	idf := func(t string) float64 { return 1 + math.Log(float64(n+1)/float64(df[t]+1)) }
	var all []*unit
	for _, c := range cands {
		for _, u := range c.units {
			u.score = unitScore(u, q, headings[u.heading], idf)
			all = append(all, u)
		}
	}
	if how {
		boostSteps(all)
	}
}

// unitScore adds the idf of the question terms in a unit (damped for long
// units) and, less, in its heading. An introduction (text before the first heading) and a question
// ("Forgot your password?") mostly restate the customer's words, so they
// count less than the text that answers.
func unitScore(u *unit, q []string, heading map[string]bool, idf func(string) float64) float64 {
	var own, head float64
	for _, t := range q {
		if u.terms[t] {
			own += idf(t)
		}
		if heading[t] {
			head += idf(t)
		}
	}
	score := own/lengthDamping(len(u.terms)) + headingBonus*head
	if u.heading == "" {
		score *= introWeight
	}
	if u.kind == mdParagraph && strings.HasSuffix(u.text, "?") {
		score *= questionWeight
	}
	return score
}

// lengthDamping divides the score of a unit with more than typicalTerms
// terms (a long list) by the square root of its excess, because a long
// text shares words with any question by chance.
func lengthDamping(terms int) float64 {
	return math.Sqrt(max(1, float64(terms)/typicalTerms))
}

// boostSteps raises the numbered lists that match a "how" question halfway
// to the best unit: for "how do I", the steps are the answer even when a
// sentence echoes more of the question's words.
func boostSteps(us []*unit) {
	best := 0.0
	for _, u := range us {
		best = max(best, u.score)
	}
	for _, u := range us {
		if u.kind == mdSteps && u.score > 0 {
			u.score += stepsBonus * best
		}
	}
}

// chooseUnits marks the units to quote: the best units of the best passage
// (its first sentences when none matches, since retrieval ranked it first
// for a reason), then the clearly relevant units of lower passages, within
// builtinReplyRunes. A unit whose text is already quoted is skipped.
func chooseUnits(cands []*candidate) {
	best := 0.0
	for _, c := range cands {
		for _, u := range c.units {
			best = max(best, u.score)
		}
	}
	quoted := map[string]bool{}
	used := 0
	for i, c := range cands {
		for _, u := range byScore(c.units) {
			size := u.runes + 1 // and the space or line break before it
			if !worthQuoting(u, i, best) || quoted[u.text] || (used > 0 && used+size > builtinReplyRunes) {
				continue
			}
			c.chosen[u], quoted[u.text] = true, true
			used += size
		}
		if i == 0 && len(c.chosen) == 0 {
			used += chooseFallback(c)
		}
	}
}

func worthQuoting(u *unit, rank int, best float64) bool {
	ratio := builtinKeepRatio
	if rank > 0 {
		ratio = builtinLowerRatio
	}
	return u.score > 0 && u.score >= ratio*best
}

// chooseFallback marks the best passage's best unit, or when nothing in it
// matches, its first units, and returns their size.
func chooseFallback(c *candidate) int {
	if top := byScore(c.units)[0]; top.score > 0 {
		c.chosen[top] = true
		return top.runes + 1
	}
	used := 0
	for _, u := range c.units {
		if used > 0 && used+u.runes+1 > builtinFallbackRunes {
			break
		}
		c.chosen[u] = true
		used += u.runes + 1
	}
	return used
}

// byScore returns units best first; ties keep reading order.
func byScore(us []*unit) []*unit {
	out := slices.Clone(us)
	slices.SortStableFunc(out, func(a, b *unit) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	return out
}

// renderReply frames the chosen units: an opening line, each article named
// before its units (in reading order), a closing line. Units of one
// paragraph run on; other units start a line.
func renderReply(cands []*candidate, ph builtinPhrases) string {
	var titles []string
	bodies := map[string]*strings.Builder{}
	for _, c := range cands {
		if len(c.chosen) == 0 {
			continue
		}
		title := passageTitle(c.passage)
		body, ok := bodies[title]
		if !ok { // two passages of one article are quoted under one name
			body = &strings.Builder{}
			bodies[title] = body
			titles = append(titles, title)
		}
		writeUnits(body, c)
	}
	var b strings.Builder
	b.WriteString(ph.Opening)
	for _, t := range titles {
		b.WriteString("\n\n" + fmt.Sprintf(ph.From, t) + "\n" + bodies[t].String())
	}
	b.WriteString("\n\n" + ph.Closing)
	return b.String()
}

func writeUnits(b *strings.Builder, c *candidate) {
	var prev *unit
	for _, u := range c.units {
		if !c.chosen[u] {
			continue
		}
		switch {
		case b.Len() == 0:
		case prev != nil && prev.block == u.block && prev.kind == mdParagraph && u.kind == mdParagraph:
			b.WriteString(" ")
		default:
			b.WriteString("\n")
		}
		b.WriteString(u.text)
		prev = u
	}
}

// quotedPassages returns the passages quoted, best first.
func quotedPassages(cands []*candidate) []Passage {
	var out []Passage
	for _, c := range cands {
		if len(c.chosen) > 0 {
			out = append(out, c.passage)
		}
	}
	return out
}

// asksHow reports whether the question asks for a procedure ("how do I",
// "what should I do"), not an amount ("how many").
func asksHow(question string, ph builtinPhrases) bool {
	words := strings.FieldsFunc(strings.ToLower(question), func(r rune) bool { return !isWordRune(r) })
	for i := range words {
		for _, cue := range ph.How {
			cueWords := strings.Fields(cue)
			end := i + len(cueWords)
			if end > len(words) || !slices.Equal(words[i:end], cueWords) {
				continue
			}
			if len(cueWords) > 1 || end == len(words) || !slices.Contains(ph.NotHow, words[end]) {
				return true
			}
		}
	}
	return false
}

// terms returns the search terms of text with the injected analyzer.
func (b *Builtin) terms(text, lang string) []string {
	if b.opts.Terms != nil {
		return b.opts.Terms(text, lang)
	}
	return DefaultBuiltinTerms(text, lang)
}

// DefaultBuiltinTerms is the analyzer Builtin uses when BuiltinOptions.Terms
// is nil: the lower-cased runs of letters and digits of at least 3 runes,
// minus common English words. It ignores lang.
func DefaultBuiltinTerms(text, _ string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !isWordRune(r) }) {
		if utf8.RuneCountInString(w) >= 3 && !isEnglishStopWord(w) {
			out = append(out, w)
		}
	}
	return out
}

// isEnglishStopWord reports the frequent English words of 3+ letters that
// say nothing about a question's topic.
func isEnglishStopWord(w string) bool {
	switch w {
	case "the", "and", "for", "are", "but", "not", "you", "your", "yours", "all", "any", "can", "was", "were",
		"has", "have", "had", "how", "what", "when", "where", "which", "who", "why", "with", "this", "that",
		"these", "those", "from", "they", "them", "their", "there", "then", "than", "into", "will", "would",
		"should", "could", "does", "did", "been", "being", "its", "our", "ours", "out", "about", "just", "also",
		"some", "such", "very", "here", "don", "doesn", "didn", "isn", "aren", "won", "cannot", "get",
		"got", "she", "her", "him", "his", "too", "one", "now", "yes", "please", "thanks", "hello":
		return true
	}
	return false
}

func uniqueTerms(ts []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func termSet(ts []string) map[string]bool {
	set := make(map[string]bool, len(ts))
	for _, t := range ts {
		set[t] = true
	}
	return set
}
