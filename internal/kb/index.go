package kb

import (
	"strings"

	"github.com/supportd/supportd/internal/textsearch"
)

// Analyzer turns text written in a language into search terms (stems).
// *textsearch.Analyzer is the one supportd uses.
type Analyzer interface {
	Terms(text string, lang textsearch.Lang) []string
}

// minAliasConfidence is how sure language detection must be of an alias to
// analyse it in a language other than the article's.
const minAliasConfidence = 0.5

// IndexedPassage is a passage with the analysed text the full-text index holds:
// terms separated by single spaces, per field, so that the database only has
// to split them. TitleTerms covers the title and tags, AliasTerms the aliases;
// both are repeated on every passage of the article, so that a passage is
// found by its article's topic as well as by its own words.
type IndexedPassage struct {
	Passage
	TitleTerms, AliasTerms, HeadingTerms, TextTerms string
}

// Index splits a into passages (see Split) and analyses each field: the
// title, tags, headings and text in the article's language (detected from its
// title and body), each alias in its own, as customers write them in theirs.
func Index(a Article, an Analyzer, maxChars int) []IndexedPassage {
	lang, _ := textsearch.Detect(a.Title + "\n" + a.Body)
	title := terms(an, a.Title+"\n"+strings.Join(a.Tags, "\n"), lang)
	aliases := make([]string, 0, len(a.Aliases))
	for _, alias := range a.Aliases {
		l, confidence := textsearch.Detect(alias)
		if confidence < minAliasConfidence { // too short to tell: the article's language
			l = lang
		}
		aliases = append(aliases, terms(an, alias, l))
	}
	aliasTerms := strings.Join(aliases, " ")
	passages := Split(a, maxChars)
	out := make([]IndexedPassage, len(passages))
	for i, p := range passages {
		out[i] = IndexedPassage{Passage: p, TitleTerms: title, AliasTerms: aliasTerms,
			HeadingTerms: terms(an, p.Heading, lang), TextTerms: terms(an, p.Text, lang)}
	}
	return out
}

func terms(an Analyzer, text string, lang textsearch.Lang) string {
	return strings.Join(an.Terms(text, lang), " ")
}
