package support

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// vocabRecheck is how often a KBService asks the database whether the
// knowledge base changed (on any instance) since it loaded the vocabulary.
const vocabRecheck = 2 * time.Second

// vocabulary is a loaded Vocabulary with the index that corrects typos.
type vocabulary struct {
	Vocabulary
	checked time.Time
	// deletes maps each term with one character removed to the terms it comes
	// from (a SymSpell index): a typo at edit distance 1 from a known term
	// shares one of these keys with it.
	deletes map[string][]string
}

// minTypoLen: shorter unknown words are not corrected, too many short words
// are one edit apart.
const minTypoLen = 4

func newVocabulary(v Vocabulary, now time.Time) *vocabulary {
	voc := &vocabulary{Vocabulary: v, checked: now, deletes: map[string][]string{}}
	for term := range v.DocFreq {
		if len([]rune(term)) < minTypoLen {
			continue
		}
		for _, d := range oneDeleted(term) {
			voc.deletes[d] = append(voc.deletes[d], term)
		}
	}
	return voc
}

// oneDeleted returns term with each of its runes removed in turn.
func oneDeleted(term string) []string {
	r := []rune(term)
	out := make([]string, 0, len(r))
	for i := range r {
		out = append(out, string(r[:i])+string(r[i+1:]))
	}
	return out
}

// df is how many passages hold term.
func (v *vocabulary) df(term string) int { return v.DocFreq[term] }

// idf weighs a term by its rarity, as BM25 does; a term no passage holds
// weighs the most.
func (v *vocabulary) idf(term string) float64 {
	n, df := float64(v.Passages), float64(v.df(term))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// correct returns the known term at edit distance 1 (one rune inserted,
// removed, changed, or two swapped) from an unknown term, the most common
// if several are, or "" when there is none.
func (v *vocabulary) correct(term string) string {
	if len([]rune(term)) < minTypoLen {
		return ""
	}
	best, bestDF := "", 0
	consider := func(c string) {
		if df := v.df(c); df > bestDF || (df == bestDF && df > 0 && c < best) {
			best, bestDF = c, df
		}
	}
	consider(term)                      // unknown: df 0, never chosen
	for _, c := range v.deletes[term] { // term lacks a rune
		consider(c)
	}
	for _, d := range oneDeleted(term) {
		consider(d)                      // term has an extra rune
		for _, c := range v.deletes[d] { // one rune changed or two swapped
			if withinOneEdit(term, c) {
				consider(c)
			}
		}
	}
	return best
}

// withinOneEdit reports whether a and b, of equal length, differ in one rune
// or by two adjacent runes swapped.
func withinOneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return len(ra)-len(rb) == 1 || len(rb)-len(ra) == 1 // a delete-index match: one insertion
	}
	var diff []int
	for i := range ra {
		if ra[i] != rb[i] {
			diff = append(diff, i)
		}
	}
	switch len(diff) {
	case 1:
		return true
	case 2:
		i, j := diff[0], diff[1]
		return j == i+1 && ra[i] == rb[j] && ra[j] == rb[i]
	}
	return false
}

// vocabCache keeps the vocabulary loaded, reloading it when the knowledge
// base's revision changed, checked at most every vocabRecheck; one caller
// refreshes while the others go on with what is loaded.
type vocabCache struct {
	store   KBStore
	now     func() time.Time
	current atomic.Pointer[vocabulary]
	loading sync.Mutex
}

func (c *vocabCache) get(ctx context.Context) (*vocabulary, error) {
	v := c.current.Load()
	if v != nil && c.now().Sub(v.checked) < vocabRecheck {
		return v, nil
	}
	if v != nil && !c.loading.TryLock() {
		return v, nil // another caller is refreshing
	}
	if v == nil {
		c.loading.Lock()
		if v = c.current.Load(); v != nil { // loaded while we waited
			c.loading.Unlock()
			return v, nil
		}
	}
	defer c.loading.Unlock()
	return c.refresh(ctx, v)
}

func (c *vocabCache) refresh(ctx context.Context, v *vocabulary) (*vocabulary, error) {
	if v != nil {
		rev, err := c.store.KBRevision(ctx)
		if err != nil {
			return v, nil // keep serving the loaded one; the next call retries
		}
		if rev == v.Revision {
			checked := *v
			checked.checked = c.now()
			c.current.Store(&checked)
			return &checked, nil
		}
	}
	loaded, err := c.store.KBVocabulary(ctx)
	if err != nil {
		if v != nil {
			return v, nil
		}
		return nil, fmt.Errorf("load vocabulary: %w", err)
	}
	nv := newVocabulary(loaded, c.now())
	c.current.Store(nv)
	return nv, nil
}

// invalidate makes the next get check the revision: this instance just wrote.
func (c *vocabCache) invalidate() {
	if v := c.current.Load(); v != nil {
		stale := *v
		stale.checked = time.Time{}
		c.current.CompareAndSwap(v, &stale)
	}
}
