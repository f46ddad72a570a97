package textsearch

import (
	"embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed stopwords/*.txt
var stopWordFiles embed.FS

// wordSet is a read-only set of words.
type wordSet map[string]struct{}

func (s wordSet) has(w string) bool {
	_, ok := s[w]
	return ok
}

// stopWordSets holds, per language index, the stop words both as written and folded, so "nao" is a stop
// word like "não". Built once; never written after.
var stopWordSets = sync.OnceValue(func() [numLangs]wordSet {
	var sets [numLangs]wordSet
	for _, l := range Langs() {
		sets[l.index()] = mustLoadWordList(stopWordFiles, "stopwords/"+string(l)+".txt")
	}
	return sets
})

// IsStopWord reports whether word is a stop word of l: Snowball's published list, the pieces that
// contractions and elisions leave, and greeting/politeness words. Case is ignored. A word typed without
// accents matches the accented stop word ("nao" like "não"), but an accented word is compared as written:
// German "ändere" (change) is not the stop word "andere".
func IsStopWord(l Lang, word string) bool {
	return stopWordSets()[l.orEnglish().index()].has(strings.ToLower(word))
}

// mustLoadWordList reads an embedded list of whitespace-separated words with '#' comments. Each entry goes
// through Words, so "don't" adds "don" and "t", and each word is stored as written and folded. The files are
// compiled in, so a read error is a build mistake: panic.
func mustLoadWordList(fs embed.FS, name string) wordSet {
	data, err := fs.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("textsearch: embedded word list %s: %v", name, err))
	}
	set := wordSet{}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, w := range Words(line) {
			set[w] = struct{}{}
			set[Fold(w)] = struct{}{}
		}
	}
	return set
}
