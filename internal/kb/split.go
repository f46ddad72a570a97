package kb

import (
	"math"
	"strings"
	"unicode/utf8"
)

// Passage is a piece of an article small enough to index and quote on its own.
// Heading is the text of the "## " heading the passage sits under ("" for text
// before the first heading), repeated on every passage of a long section.
type Passage struct {
	Heading string
	Text    string
}

// Split cuts an article body into passages for retrieval: at "## " headings,
// then by packing whole paragraphs into passages of at most maxChars characters
// (runes) of Text. A paragraph longer than maxChars is split at sentence ends or
// line breaks, then at spaces, and a single word longer than maxChars is cut.
// Headings inside code fences are ignored; sections with no text yield no
// passage. maxChars <= 0 means no limit: one passage per section.
func Split(a Article, maxChars int) []Passage {
	if maxChars <= 0 {
		maxChars = math.MaxInt
	}
	var out []Passage
	for _, s := range sections(a.Body) {
		for _, text := range pack(s.paras, maxChars) {
			out = append(out, Passage{Heading: s.heading, Text: text})
		}
	}
	return out
}

// section is the text under one "## " heading, as paragraphs.
type section struct {
	heading string
	paras   []string
}

// sections splits a Markdown body at "## " headings and blank lines; a fenced
// code block is never split.
func sections(body string) []section {
	cur := &section{}
	all := []*section{cur}
	var para []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(para, "\n")); p != "" {
			cur.paras = append(cur.paras, p)
		}
		para = nil
	}
	var fence fenceTracker
	for _, line := range strings.Split(body, "\n") {
		code := fence.inCode(line)
		heading, isHeading := strings.CutPrefix(line, "## ")
		switch {
		case !code && isHeading:
			flush()
			cur = &section{heading: strings.TrimSpace(heading)}
			all = append(all, cur)
		case !code && strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return nonEmpty(all)
}

// nonEmpty copies the sections that have text.
func nonEmpty(all []*section) []section {
	var out []section
	for _, s := range all {
		if len(s.paras) > 0 {
			out = append(out, *s)
		}
	}
	return out
}

// pack joins paragraphs with blank lines into passages of at most maxChars runes.
func pack(paras []string, maxChars int) []string {
	var out []string
	cur := ""
	for _, para := range paras {
		for _, piece := range splitLong(para, maxChars) {
			switch {
			case cur == "":
				cur = piece
			case runeLen(cur)+2+runeLen(piece) <= maxChars:
				cur += "\n\n" + piece
			default:
				out = append(out, cur)
				cur = piece
			}
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// splitLong returns para unchanged if it fits, otherwise pieces of at most
// maxChars runes made of whole sentences where possible.
func splitLong(para string, maxChars int) []string {
	if runeLen(para) <= maxChars {
		return []string{para}
	}
	var units []string
	for _, s := range cutAfter(para, isSentenceEnd) {
		if runeLen(strings.TrimSpace(s)) <= maxChars {
			units = append(units, s)
			continue
		}
		for _, w := range cutAfter(s, isSpace) {
			units = append(units, chop(w, maxChars)...)
		}
	}
	return joinUnits(units, maxChars)
}

// joinUnits concatenates consecutive units, keeping their original spacing,
// into trimmed pieces of at most maxChars runes.
func joinUnits(units []string, maxChars int) []string {
	var out []string
	cur := ""
	for _, u := range units {
		if strings.TrimSpace(cur) != "" && runeLen(strings.TrimSpace(cur+u)) > maxChars {
			out = append(out, strings.TrimSpace(cur))
			cur = ""
		}
		cur += u
	}
	if t := strings.TrimSpace(cur); t != "" {
		out = append(out, t)
	}
	return out
}

// cutAfter splits s after each boundary reported by isEnd and the whitespace
// that follows it; concatenating the parts gives back s.
func cutAfter(s string, isEnd func(s string, i int) bool) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if !isEnd(s, i) {
			continue
		}
		j := i + 1
		for j < len(s) && isSpaceByte(s[j]) {
			j++
		}
		parts = append(parts, s[start:j])
		start, i = j, j-1
	}
	if start < len(s) {
		parts = append(parts, s[start:])
	}
	return parts
}

// isSentenceEnd reports a line break, or ".", "!" or "?" followed by whitespace.
func isSentenceEnd(s string, i int) bool {
	if s[i] == '\n' {
		return true
	}
	return strings.IndexByte(".!?", s[i]) >= 0 && i+1 < len(s) && isSpaceByte(s[i+1])
}

// isSpace reports whitespace at s[i].
func isSpace(s string, i int) bool { return isSpaceByte(s[i]) }

// isSpaceByte reports ASCII whitespace.
func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' }

// chop cuts a word with no usable boundary into pieces of at most maxChars runes,
// keeping the whitespace that follows it on the last piece.
func chop(w string, maxChars int) []string {
	var out []string
	for runeLen(strings.TrimSpace(w)) > maxChars {
		n := 0
		for i := 0; i < maxChars; i++ {
			_, size := utf8.DecodeRuneInString(w[n:])
			n += size
		}
		out = append(out, w[:n]+" ")
		w = w[n:]
	}
	return append(out, w)
}

// runeLen counts characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// fenceTracker follows ``` and ~~~ code fences line by line.
type fenceTracker struct{ marker string }

// inCode reports whether line opens, closes or is inside a fenced code block.
func (f *fenceTracker) inCode(line string) bool {
	t := strings.TrimSpace(line)
	if f.marker != "" {
		if strings.HasPrefix(t, f.marker) {
			f.marker = ""
		}
		return true
	}
	for _, m := range []string{"```", "~~~"} {
		if strings.HasPrefix(t, m) {
			f.marker = m
			return true
		}
	}
	return false
}
