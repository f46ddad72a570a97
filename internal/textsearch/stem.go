package textsearch

import (
	"strings"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/spanish"
)

// Stem returns the Snowball stem of word in language l (English when l is unsupported), lower-cased and with
// diacritics folded: Stem(Spanish, "contraseña") == "contrasen".
func Stem(l Lang, word string) string {
	env := snowballstem.NewEnv(strings.ToLower(word))
	stemmer(l)(env)
	return Fold(env.Current())
}

func stemmer(l Lang) func(*snowballstem.Env) bool {
	switch l {
	case Spanish:
		return spanish.Stem
	case French:
		return french.Stem
	case German:
		return german.Stem
	case Portuguese:
		return portuguese.Stem
	case Italian:
		return italian.Stem
	case Dutch:
		return dutch.Stem
	}
	return english.Stem
}
