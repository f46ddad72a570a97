package textsearch

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// MaxPhraseWords is the longest synonym phrase, in words.
const MaxPhraseWords = 4

// maxSynonymLineBytes bounds one line of a synonym file.
const maxSynonymLineBytes = 64 * 1024

// ErrInvalidSynonyms is wrapped by every ParseSynonyms error about the file's content.
var ErrInvalidSynonyms = errors.New("invalid synonyms")

//go:embed synonyms.txt
var builtinSynonyms string

// Synonyms is a list of synonym groups, each a canonical English term and its variants. It is immutable
// after construction; see the package comment for the file format.
type Synonyms struct {
	groups []synonymGroup
}

type synonymGroup struct {
	canonical string
	variants  []string // as written, canonical first, no two with the same phraseKey
	line      int      // where the group was defined, for error messages
}

// ParseSynonyms reads a synonym file. Errors wrap ErrInvalidSynonyms and name the offending line.
func ParseSynonyms(r io.Reader) (*Synonyms, error) {
	s := &Synonyms{}
	byCanonical := map[string]int{} // phraseKey of canonical -> group index
	owner := map[string]int{}       // phraseKey of variant -> group index
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 4096), maxSynonymLineBytes)
	for lineNo := 1; scanner.Scan(); lineNo++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		canonical, variants, err := parseSynonymLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrInvalidSynonyms, lineNo, err)
		}
		gi, ok := byCanonical[phraseKey(canonical)]
		if !ok {
			gi = len(s.groups)
			byCanonical[phraseKey(canonical)] = gi
			s.groups = append(s.groups, synonymGroup{canonical: canonical, line: lineNo})
		}
		for _, v := range append([]string{canonical}, variants...) {
			key := phraseKey(v)
			if other, taken := owner[key]; taken {
				if other == gi {
					continue
				}
				g := s.groups[other]
				return nil, fmt.Errorf("%w: line %d: %q already belongs to %q (line %d)",
					ErrInvalidSynonyms, lineNo, v, g.canonical, g.line)
			}
			owner[key] = gi
			s.groups[gi].variants = append(s.groups[gi].variants, v)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read synonyms: %w", err)
	}
	return s, nil
}

// parseSynonymLine splits "canonical: a, b c" and checks each phrase.
func parseSynonymLine(line string) (canonical string, variants []string, err error) {
	head, tail, ok := strings.Cut(line, ":")
	if !ok {
		return "", nil, errors.New(`missing ":" after the canonical term`)
	}
	canonical = strings.TrimSpace(head)
	if err := checkPhrase(canonical); err != nil {
		return "", nil, fmt.Errorf("canonical: %w", err)
	}
	if len(canonicalTerms(canonical)) == 0 {
		return "", nil, fmt.Errorf("canonical %q has only English stop words", canonical)
	}
	for i, v := range strings.Split(tail, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil, fmt.Errorf("variant %d is empty", i+1)
		}
		if err := checkPhrase(v); err != nil {
			return "", nil, fmt.Errorf("variant %q: %w", v, err)
		}
		variants = append(variants, v)
	}
	return canonical, variants, nil
}

func checkPhrase(p string) error {
	n := len(Words(p))
	switch {
	case n == 0:
		return errors.New("has no words")
	case n > MaxPhraseWords:
		return fmt.Errorf("has %d words, at most %d allowed", n, MaxPhraseWords)
	}
	return nil
}

// phraseKey identifies a phrase regardless of case, accents and punctuation: "E-Mail" and "e mail" are
// the same variant.
func phraseKey(p string) string {
	words := Words(p)
	for i, w := range words {
		words[i] = Fold(w)
	}
	return strings.Join(words, " ")
}

// canonicalTerms are the terms a canonical stands for: its words without English stop words, English-stemmed.
func canonicalTerms(canonical string) []string {
	var terms []string
	for _, w := range Words(canonical) {
		if !IsStopWord(English, w) {
			terms = append(terms, Stem(English, w))
		}
	}
	return terms
}

var defaultSynonyms = sync.OnceValue(func() *Synonyms {
	s, err := ParseSynonyms(strings.NewReader(builtinSynonyms))
	if err != nil {
		panic(fmt.Sprintf("textsearch: embedded synonyms.txt: %v", err))
	}
	return s
})

// DefaultSynonyms returns the built-in synonym list for a SaaS help center (accounts, billing, teams,
// integrations ...) in the seven supported languages. The same value is returned on every call; it is
// immutable.
func DefaultSynonyms() *Synonyms {
	return defaultSynonyms()
}

// Len returns the number of groups.
func (s *Synonyms) Len() int {
	if s == nil {
		return 0
	}
	return len(s.groups)
}

// Merge returns a new list: s extended by other, as an operator's file extends the built-in list. Groups
// with the same canonical are joined; a variant that other puts in another group moves there; other's
// groups take precedence when stems collide. Neither input changes.
func (s *Synonyms) Merge(other *Synonyms) *Synonyms {
	if other.Len() == 0 {
		return s
	}
	if s.Len() == 0 {
		return other
	}
	claimed := map[string]bool{}
	for _, g := range other.groups {
		for _, v := range g.variants {
			claimed[phraseKey(v)] = true
		}
	}
	merged := &Synonyms{}
	byCanonical := map[string]int{}
	for _, g := range other.groups {
		byCanonical[phraseKey(g.canonical)] = len(merged.groups)
		merged.groups = append(merged.groups, synonymGroup{
			canonical: g.canonical, variants: append([]string(nil), g.variants...), line: g.line,
		})
	}
	for _, g := range s.groups {
		var kept []string
		for _, v := range g.variants {
			if !claimed[phraseKey(v)] {
				kept = append(kept, v)
			}
		}
		if gi, ok := byCanonical[phraseKey(g.canonical)]; ok {
			merged.groups[gi].variants = append(merged.groups[gi].variants, kept...)
			continue
		}
		if len(kept) > 0 {
			merged.groups = append(merged.groups, synonymGroup{canonical: g.canonical, variants: kept, line: g.line})
		}
	}
	return merged
}
