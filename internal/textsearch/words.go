package textsearch

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxWordBytes caps a word's length; longer runs (hashes, base64, URLs without separators) are cut so one
// token cannot bloat an index.
const MaxWordBytes = 40

// Words splits text into lower-cased words: runs of letters and digits (combining marks stay with their
// letter). Everything else, apostrophes included, separates words: "l'application" gives "l", "application".
// A word longer than MaxWordBytes is cut at a rune boundary.
func Words(text string) []string {
	words := make([]string, 0, len(text)/6+1)
	start := -1
	for i, r := range text {
		if isWordRune(r, start >= 0) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, normalizeWord(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, normalizeWord(text[start:]))
	}
	return words
}

func isWordRune(r rune, inWord bool) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || inWord && unicode.Is(unicode.Mn, r)
}

func normalizeWord(w string) string {
	w = strings.ToLower(w)
	if len(w) <= MaxWordBytes {
		return w
	}
	cut := MaxWordBytes
	for cut > 0 && !utf8.RuneStart(w[cut]) {
		cut--
	}
	return w[:cut]
}

// foldTable maps the accented letters of the supported languages to plain ASCII.
var foldTable = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y",
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ĳ': "ij",
}

// Fold lower-cases s and removes diacritics ("Contraseña" -> "contrasena", "Straße" -> "strasse"), so
// customers who type without accents find accented text and vice versa.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case unicode.Is(unicode.Mn, r):
			// A combining accent (decomposed text): drop it, the base letter was written already.
		default:
			if f, ok := foldTable[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
