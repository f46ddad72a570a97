package support

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/supportd/supportd/internal/textsearch"
)

//go:embed scope_phrases.txt
var scopePhrases string

//go:embed other_products.txt
var otherProducts string

// scopeGuard recognises questions the assistant declines whatever the
// knowledge base holds (scope_phrases.txt), with the phrase matcher that
// finds synonyms: every language, inflections and missing accents alike.
type scopeGuard struct {
	an        *textsearch.Analyzer
	marks     []string // the analysed names of the out-of-scope groups
	smallTalk string   // the analysed name of the small-talk group
	products  []string // other_products.txt
}

func newScopeGuard() (scopeGuard, error) {
	syn, err := textsearch.ParseSynonyms(strings.NewReader(scopePhrases))
	if err != nil {
		return scopeGuard{}, fmt.Errorf("scope phrases: %w", err)
	}
	g := scopeGuard{an: textsearch.NewAnalyzer(syn)}
	for _, name := range []string{"scopeinstructions", "scopeprivacy"} {
		g.marks = append(g.marks, g.an.Terms(name, textsearch.English)...)
	}
	g.smallTalk = strings.Join(g.an.Terms("scopesmalltalk", textsearch.English), "")
	for _, line := range strings.Split(otherProducts, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			g.products = append(g.products, line)
		}
	}
	return g, nil
}

// isSmallTalk reports whether question holds small talk or a general-knowledge
// request (the weather, a joke), which may come with a real question.
func (g scopeGuard) isSmallTalk(question string, lang textsearch.Lang) bool {
	return g.an != nil && slices.Contains(g.an.Terms(question, lang), g.smallTalk)
}

// foreignNames returns the words of question that name something the
// knowledge base never mentions: another company's product from
// other_products.txt, or a capitalised word inside a sentence (a brand, a
// person, an organisation; not in German, which capitalises every noun).
// known tells whether the knowledge base holds a word's term.
func (g scopeGuard) foreignNames(question string, lang textsearch.Lang, known func(word string) bool) []string {
	var out []string
	lower := " " + strings.Join(textsearch.Words(question), " ") + " "
	for _, p := range g.products {
		if strings.Contains(lower, " "+p+" ") && !known(p) {
			out = append(out, p)
		}
	}
	if lang == textsearch.German {
		return out
	}
	for _, w := range capitalisedInside(question) {
		if !known(w) && !slices.Contains(out, strings.ToLower(w)) {
			out = append(out, w)
		}
	}
	return out
}

// capitalisedInside returns the words that start with a capital letter but do
// not start a sentence, are not all capitals (acronyms: IT, VAT, CSV) and are
// not the pronoun I.
func capitalisedInside(text string) []string {
	var out []string
	sentenceStart := true
	for _, field := range strings.Fields(text) {
		word := strings.TrimFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		runes := []rune(word)
		if len(runes) > 1 && !sentenceStart && unicode.IsUpper(runes[0]) && !isAllUpper(runes) {
			out = append(out, word)
		}
		sentenceStart = strings.ContainsAny(field[len(field)-1:], ".!?:")
	}
	return out
}

func isAllUpper(runes []rune) bool {
	for _, r := range runes {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// outOfScope reports whether question asks for the assistant's instructions
// or other people's data.
func (g scopeGuard) outOfScope(question string, lang textsearch.Lang) bool {
	if g.an == nil {
		return false
	}
	for _, t := range g.an.Terms(question, lang) {
		if slices.Contains(g.marks, t) {
			return true
		}
	}
	return false
}
