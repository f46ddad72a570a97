package textsearch

import "strings"

// Lang is an ISO 639-1 language code supported by the analyser.
type Lang string

// Supported languages.
const (
	English    Lang = "en"
	Spanish    Lang = "es"
	French     Lang = "fr"
	German     Lang = "de"
	Portuguese Lang = "pt"
	Italian    Lang = "it"
	Dutch      Lang = "nl"
)

// numLangs is the number of supported languages; langIndex maps each to 0..numLangs-1.
const numLangs = 7

// Langs returns the supported languages, English first.
func Langs() []Lang {
	return []Lang{English, Spanish, French, German, Portuguese, Italian, Dutch}
}

// ParseLang accepts a language code such as "es", "ES" or "pt-BR" and reports whether it is supported.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	l := Lang(s)
	if l.index() < 0 {
		return "", false
	}
	return l, true
}

// index returns the position of l in Langs, or -1 when l is not supported.
func (l Lang) index() int {
	switch l {
	case English:
		return 0
	case Spanish:
		return 1
	case French:
		return 2
	case German:
		return 3
	case Portuguese:
		return 4
	case Italian:
		return 5
	case Dutch:
		return 6
	}
	return -1
}

// orEnglish maps unsupported languages to English so callers never get an empty analysis.
func (l Lang) orEnglish() Lang {
	if l.index() < 0 {
		return English
	}
	return l
}
