package support

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestVocabularyCorrectsOneEdit(t *testing.T) {
	v := newVocabulary(Vocabulary{Passages: 100, DocFreq: map[string]int{
		"password": 12, "receipt": 5, "invoic": 9, "refund": 7, "calendar": 3, "calendars": 1, "sync": 20,
	}}, time.Now())
	for typo, want := range map[string]string{
		"pasword":   "password", // a letter missing
		"passwordd": "password", // one too many
		"passwird":  "password", // one changed
		"recipt":    "receipt",
		"reciept":   "receipt", // two swapped
		"refnud":    "refund",
		"calender":  "calendar",
		"invioc":    "invoic",
		"weather":   "", // nothing near
		"snyc":      "sync",
		"snc":       "", // too short to correct
		"pswd":      "",
	} {
		if got := v.correct(typo); got != want {
			t.Errorf("correct(%q) = %q, want %q", typo, got, want)
		}
	}
}

func TestVocabularyIDF(t *testing.T) {
	v := newVocabulary(Vocabulary{Passages: 100, DocFreq: map[string]int{"common": 90, "rare": 1}}, time.Now())
	if !(v.idf("unknown") > v.idf("rare") && v.idf("rare") > v.idf("common") && v.idf("common") > 0) {
		t.Errorf("idf unknown %.2f rare %.2f common %.2f: want decreasing and positive",
			v.idf("unknown"), v.idf("rare"), v.idf("common"))
	}
}

// countingKB is a KBStore whose vocabulary calls are counted; the other
// methods are never called here (the embedded nil interface would panic).
type countingKB struct {
	KBStore
	mu              sync.Mutex
	revision        int64
	revisions, vocs int
}

func (c *countingKB) KBRevision(context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revisions++
	return c.revision, nil
}

func (c *countingKB) KBVocabulary(context.Context) (Vocabulary, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vocs++
	return Vocabulary{DocFreq: map[string]int{}, Revision: c.revision}, nil
}

func TestVocabCacheReloadsOnlyWhenTheRevisionMoves(t *testing.T) {
	kb := &countingKB{revision: 1}
	now := time.Unix(0, 0)
	c := &vocabCache{store: kb, now: func() time.Time { return now }}
	get := func() *vocabulary {
		v, err := c.get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get()
	get() // within vocabRecheck: nothing asked
	if kb.vocs != 1 || kb.revisions != 0 {
		t.Fatalf("after two gets: %d loads, %d revision checks; want 1, 0", kb.vocs, kb.revisions)
	}
	now = now.Add(vocabRecheck)
	get() // same revision: checked, not reloaded
	if kb.vocs != 1 || kb.revisions != 1 {
		t.Fatalf("after the recheck: %d loads, %d revision checks; want 1, 1", kb.vocs, kb.revisions)
	}
	kb.revision = 2
	c.invalidate() // this instance wrote: checked at once
	if v := get(); v.Revision != 2 || kb.vocs != 2 {
		t.Fatalf("after a write: revision %d, %d loads; want 2, 2", v.Revision, kb.vocs)
	}
}
