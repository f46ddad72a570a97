package llm

import (
	"strings"
	"unicode/utf8"
)

// charsPerToken is the rough size of a token in English text for the Llama
// and GPT tokenizers. Budgets only need to be approximately right, so we
// avoid shipping a tokenizer.
const charsPerToken = 4

// EstimateTokens estimates the number of tokens in s as one per
// charsPerToken characters (runes), rounded up.
func EstimateTokens(s string) int {
	return (utf8.RuneCountInString(s) + charsPerToken - 1) / charsPerToken
}

// countWords counts whitespace-separated words; Builtin reports them as tokens.
func countWords(s string) int {
	return len(strings.Fields(s))
}

// oneLine collapses all whitespace so that a title cannot break the layout
// of the prompt or of a reply, and caps its length.
func oneLine(s string, maxRunes int) string {
	return truncateWords(strings.Join(strings.Fields(s), " "), maxRunes)
}

// truncateWords shortens s to at most maxRunes runes, cutting at a word
// boundary and marking the cut with an ellipsis.
func truncateWords(s string, maxRunes int) string {
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	cut := s[:runeOffset(s, maxRunes-1)]
	if i := strings.LastIndexAny(cut, " \n\t"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " \n\t,;:") + "…"
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// fence wraps untrusted text in a backtick fence longer than any backtick
// run inside it, so the text cannot close the fence and pose as instructions
// (the CommonMark rule for code fences).
func fence(text string) string {
	f := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return f + "\n" + text + "\n" + f
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != c {
			cur = 0
			continue
		}
		cur++
		best = max(best, cur)
	}
	return best
}
