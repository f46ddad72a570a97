package textsearch

import (
	"strings"
	"sync"
	"sync/atomic"
)

// minStemKeyBytes keeps very short stems of one-word variants out of the stem index: a two-letter stem
// matches too many unrelated words.
const minStemKeyBytes = 3

// maxCachedStems bounds the stem cache per language. Words follow a Zipf curve, so the first tens of
// thousands seen cover nearly every later lookup; words past the bound are stemmed each time.
const maxCachedStems = 50_000

// Analyzer turns text into index and query terms. Its configuration is immutable; it is safe for
// concurrent use.
type Analyzer struct {
	stems     [numLangs]stemCache   // Snowball stemming dominates the cost of Terms
	canonical [][]string            // per synonym group, the terms it emits
	index     [numLangs]phraseIndex // per language
}

// phraseIndex finds synonym phrases in text of one language.
type phraseIndex struct {
	surface map[string]int32 // folded words joined by " " -> group
	stem    map[string]int32 // stems in this language joined by " " -> group
	longest map[string]int   // a phrase's first word (folded or stem) -> longest phrase starting with it
}

// NewAnalyzer builds an analyser that applies syn (nil for none).
func NewAnalyzer(syn *Synonyms) *Analyzer {
	a := &Analyzer{}
	for _, l := range Langs() {
		a.stems[l.index()].limit = maxCachedStems
		a.index[l.index()] = phraseIndex{surface: map[string]int32{}, stem: map[string]int32{}, longest: map[string]int{}}
	}
	if syn == nil {
		return a
	}
	for gi, g := range syn.groups {
		a.canonical = append(a.canonical, canonicalTerms(g.canonical))
		for _, v := range g.variants {
			for _, l := range Langs() {
				a.index[l.index()].add(l, v, int32(gi))
			}
		}
	}
	return a
}

// add indexes variant v for language l; the first group to claim a key keeps it.
func (x *phraseIndex) add(l Lang, v string, group int32) {
	words := Words(v)
	folded := make([]string, len(words))
	stems := make([]string, len(words))
	onlyStopWords := true
	for i, w := range words {
		folded[i] = Fold(w)
		stems[i] = Stem(l, w)
		onlyStopWords = onlyStopWords && IsStopWord(l, w)
	}
	if onlyStopWords {
		return // it would swallow ordinary text of l
	}
	if key := strings.Join(folded, " "); !has(x.surface, key) {
		x.surface[key] = group
		x.longest[folded[0]] = max(x.longest[folded[0]], len(words))
	}
	key := strings.Join(stems, " ")
	if len(words) == 1 && len(key) < minStemKeyBytes || has(x.stem, key) {
		return
	}
	x.stem[key] = group
	x.longest[stems[0]] = max(x.longest[stems[0]], len(words))
}

func has(m map[string]int32, key string) bool {
	_, ok := m[key]
	return ok
}

// Terms analyses text written in language l (English when l is unsupported): words, synonym phrases
// replaced by their canonical's terms, stop words of l dropped, each remaining word stemmed and folded.
// Order and duplicates are kept.
func (a *Analyzer) Terms(text string, l Lang) []string {
	l = l.orEnglish()
	words := Words(text)
	folded := make([]string, len(words))
	stems := make([]string, len(words))
	for i, w := range words {
		folded[i] = Fold(w)
		stems[i] = a.stems[l.index()].stem(l, w)
	}
	stops := stopWordSets()[l.index()]
	index := &a.index[l.index()]
	terms := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		if n, group := index.match(folded[i:], stems[i:]); n > 0 {
			terms = append(terms, a.canonical[group]...)
			i += n
			continue
		}
		if !stops.has(words[i]) {
			terms = append(terms, stems[i])
		}
		i++
	}
	return terms
}

// match returns the length of the longest synonym phrase at the start of the text and its group, or 0.
func (x *phraseIndex) match(folded, stems []string) (int, int32) {
	longest := min(max(x.longest[folded[0]], x.longest[stems[0]]), len(folded))
	for n := longest; n >= 1; n-- {
		if g, ok := x.surface[strings.Join(folded[:n], " ")]; ok {
			return n, g
		}
		if g, ok := x.stem[strings.Join(stems[:n], " ")]; ok {
			return n, g
		}
	}
	return 0, 0
}

// stemCache remembers the stems of one language's words, up to limit entries.
type stemCache struct {
	stems sync.Map // word -> stem
	size  atomic.Int64
	limit int64
}

func (c *stemCache) stem(l Lang, word string) string {
	if s, ok := c.stems.Load(word); ok {
		return s.(string)
	}
	s := Stem(l, word)
	if c.size.Load() < c.limit {
		// Clone: word is a slice of the caller's text, which the cache must not keep alive.
		if _, loaded := c.stems.LoadOrStore(strings.Clone(word), s); !loaded {
			c.size.Add(1)
		}
	}
	return s
}
