package embedtest

import (
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// embedder maps text to a deterministic unit vector: a hashed bag of words.
// Each word (after concept mapping) adds ±1 to one of dims buckets, both
// chosen by its hash, so texts sharing words point the same way and
// unrelated texts are close to orthogonal.
type embedder struct {
	dims      int
	concepts  map[string]string // lower-case phrase -> concept word
	maxPhrase int               // words in the longest phrase
}

func newEmbedder(dims int, concepts map[string]string) *embedder {
	e := &embedder{dims: dims, concepts: make(map[string]string, len(concepts)), maxPhrase: 1}
	for phrase, concept := range concepts {
		words := words(phrase)
		if len(words) == 0 {
			continue
		}
		e.concepts[strings.Join(words, " ")] = strings.ToLower(concept)
		e.maxPhrase = max(e.maxPhrase, len(words))
	}
	return e
}

func (e *embedder) embed(text string) []float32 {
	v := make([]float64, e.dims)
	for _, tok := range e.tokens(text) {
		h := fnv.New64a()
		_, _ = h.Write([]byte(tok))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(e.dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, e.dims)
	if norm == 0 { // no words at all: a fixed unit vector rather than zeros
		out[0] = 1
		return out
	}
	for i, x := range v {
		out[i] = float32(x / math.Sqrt(norm))
	}
	return out
}

// tokens splits text into lower-case words and replaces concept phrases,
// longest first, by their concept word.
func (e *embedder) tokens(text string) []string {
	ws := words(text)
	var out []string
	for i := 0; i < len(ws); {
		n, concept := e.matchConcept(ws[i:])
		if n == 0 {
			out = append(out, ws[i])
			i++
			continue
		}
		out = append(out, concept)
		i += n
	}
	return out
}

func (e *embedder) matchConcept(ws []string) (int, string) {
	for n := min(e.maxPhrase, len(ws)); n >= 1; n-- {
		if c, ok := e.concepts[strings.Join(ws[:n], " ")]; ok {
			return n, c
		}
	}
	return 0, ""
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
