package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mdKind is the kind of a Markdown block the built-in responder quotes.
type mdKind int

const (
	mdParagraph mdKind = iota
	mdSteps            // a numbered list
	mdBullets          // a bulleted list
	mdCode             // a fenced code block
)

// mdBlock is one block of a passage, still in Markdown. For a list, lines
// are its items and marks their markers ("1.", "-"); for a paragraph, its
// lines; for code, its lines verbatim.
type mdBlock struct {
	kind    mdKind
	heading string // the heading the block sits under, "" if none
	quote   bool   // a paragraph written as a "> " quote
	lines   []string
	marks   []string
}

// Headings longer than this are taken for a line of a paragraph instead.
const (
	leadingHeadingRunes = 80
	leadingHeadingWords = 10
)

// parseMarkdown splits a passage into blocks. The passage may start with the
// text of its section heading alone on a line (see Passage.Text).
func parseMarkdown(text string) []mdBlock {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	p := mdParser{}
	p.heading, text = leadingHeading(text)
	for _, line := range strings.Split(text, "\n") {
		p.line(line)
	}
	p.close()
	return p.blocks
}

// leadingHeading splits off the first line when it reads as a heading: a
// "#" line, or a short line with no closing punctuation followed by more
// text.
func leadingHeading(text string) (heading, rest string) {
	text = strings.TrimLeft(text, "\n")
	first, rest, ok := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	if h, isHeading := atxHeading(first); isHeading {
		return renderInline(h), rest
	}
	if !ok || strings.TrimSpace(rest) == "" || first == "" || listItemStart(first) || strings.HasPrefix(first, ">") ||
		fenceMarker(first) != "" || utf8.RuneCountInString(first) > leadingHeadingRunes ||
		len(strings.Fields(first)) > leadingHeadingWords || strings.ContainsAny(first[len(first)-1:], ".!?:;,") {
		return "", text
	}
	return renderInline(first), rest
}

// mdParser holds the block being read.
type mdParser struct {
	blocks  []mdBlock
	cur     *mdBlock // open block, nil between blocks
	heading string
	fence   string // the open code fence, "" outside code
	blank   bool   // a blank line ended the previous line of an open list
}

func (p *mdParser) line(raw string) {
	if p.fence != "" {
		p.codeLine(raw)
		return
	}
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		p.blankLine()
		return
	}
	inList := p.cur != nil && (p.cur.kind == mdSteps || p.cur.kind == mdBullets)
	indented := strings.HasPrefix(raw, "  ") || strings.HasPrefix(raw, "\t")
	if inList && p.blank && !indented && !listItemStart(trimmed) {
		p.close() // a list ends at an unindented paragraph after a blank line
		inList = false
	}
	p.blank = false
	if h, ok := atxHeading(trimmed); ok {
		p.close()
		p.heading = renderInline(h)
		return
	}
	if f := fenceMarker(trimmed); f != "" {
		p.close()
		p.fence = f
		p.open(mdCode, false)
		return
	}
	if isRule(trimmed) {
		p.close()
		return
	}
	if mark, item, ok := listItem(trimmed); ok {
		p.item(mark, item, indented)
		return
	}
	if inList {
		last := len(p.cur.lines) - 1
		p.cur.lines[last] += " " + trimmed // a wrapped item
		return
	}
	p.paragraphLine(trimmed)
}

func (p *mdParser) codeLine(raw string) {
	if strings.HasPrefix(strings.TrimSpace(raw), p.fence) && strings.Trim(strings.TrimSpace(raw), p.fence[:1]) == "" {
		p.fence = ""
		p.close()
		return
	}
	p.cur.lines = append(p.cur.lines, strings.TrimRight(raw, " \t"))
}

func (p *mdParser) blankLine() {
	if p.cur != nil && (p.cur.kind == mdSteps || p.cur.kind == mdBullets) {
		p.blank = true // a loose list goes on after a blank line
		return
	}
	p.close()
}

// item adds a list item; an indented item of another kind is nested in the
// open list rather than starting a new one.
func (p *mdParser) item(mark, text string, indented bool) {
	kind := mdBullets
	if mark != "-" {
		kind = mdSteps
	}
	if p.cur == nil || (p.cur.kind != kind && !(indented && (p.cur.kind == mdSteps || p.cur.kind == mdBullets))) {
		p.close()
		p.open(kind, false)
	}
	if indented && len(p.cur.lines) > 0 {
		mark = "  " + mark
	}
	p.cur.lines = append(p.cur.lines, text)
	p.cur.marks = append(p.cur.marks, mark)
}

func (p *mdParser) paragraphLine(line string) {
	quote := strings.HasPrefix(line, ">")
	if quote {
		line = strings.TrimSpace(strings.TrimLeft(line, "> "))
	}
	if p.cur == nil || p.cur.kind != mdParagraph || p.cur.quote != quote {
		p.close()
		p.open(mdParagraph, quote)
	}
	if line != "" {
		p.cur.lines = append(p.cur.lines, line)
	}
}

func (p *mdParser) open(kind mdKind, quote bool) {
	p.cur = &mdBlock{kind: kind, heading: p.heading, quote: quote}
}

// close ends the open block, keeping it if it has any text.
func (p *mdParser) close() {
	if p.cur != nil && len(p.cur.lines) > 0 {
		p.blocks = append(p.blocks, *p.cur)
	}
	p.cur, p.blank = nil, false
}

// atxHeading reports whether line is a "# Heading" line and returns its text.
func atxHeading(line string) (string, bool) {
	hashes := len(line) - len(strings.TrimLeft(line, "#"))
	if hashes == 0 || hashes > 6 {
		return "", false
	}
	rest := line[hashes:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false // "#hashtag"
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(rest), "#")), true
}

// fenceMarker returns the "```" or "~~~" run that opens a code block.
func fenceMarker(line string) string {
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(line, f) {
			n := len(line) - len(strings.TrimLeft(line, f[:1]))
			return line[:n]
		}
	}
	return ""
}

// isRule reports a thematic break ("---", "***") or a setext underline.
func isRule(line string) bool {
	compact := strings.ReplaceAll(line, " ", "")
	if len(compact) < 3 {
		return false
	}
	for _, c := range []string{"-", "*", "_", "="} {
		if strings.Trim(compact, c) == "" {
			return true
		}
	}
	return false
}

func listItemStart(line string) bool {
	_, _, ok := listItem(line)
	return ok
}

// listItem parses "- item", "* item", "+ item", "3. item" or "3) item";
// every bullet becomes "-" and every number keeps its value.
func listItem(line string) (mark, text string, ok bool) {
	if len(line) >= 2 && strings.ContainsRune("-*+", rune(line[0])) && line[1] == ' ' {
		return "-", strings.TrimSpace(line[2:]), true
	}
	digits := len(line) - len(strings.TrimLeftFunc(line, func(r rune) bool { return r >= '0' && r <= '9' }))
	if digits == 0 || digits > 3 || len(line) < digits+2 || (line[digits] != '.' && line[digits] != ')') || line[digits+1] != ' ' {
		return "", "", false
	}
	return line[:digits] + ".", strings.TrimSpace(line[digits+2:]), true
}

// renderInline turns inline Markdown into plain text: emphasis and code
// markers go, [text](url) becomes "text (url)" for web links and "text"
// otherwise, and whitespace is collapsed.
func renderInline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		i = renderToken(&b, s, i)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// renderToken writes the plain text of the token at s[i:] and returns the
// offset after it.
func renderToken(b *strings.Builder, s string, i int) int {
	c := s[i]
	switch {
	case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
		b.WriteByte(s[i+1])
		return i + 2
	case c == '`':
		return renderCode(b, s, i)
	case c == '[' || (c == '!' && i+1 < len(s) && s[i+1] == '['):
		start := i
		if c == '!' {
			start++
		}
		if end, ok := renderLink(b, s, start); ok {
			return end
		}
	case c == '<':
		if end := strings.IndexByte(s[i:], '>'); end > 0 && isWebURL(s[i+1:i+end]) {
			b.WriteString(s[i+1 : i+end])
			return i + end + 1
		}
	case c == '*' || c == '_':
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], s[i:i+1]))
		if !isEmphasis(s, i, n) {
			b.WriteString(s[i : i+n])
		}
		return i + n
	}
	b.WriteByte(c)
	return i + 1
}

// renderCode writes the content of the code span at s[i:], or drops a
// backtick run that closes nothing.
func renderCode(b *strings.Builder, s string, i int) int {
	n := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
	run := s[i : i+n]
	end := min(len(s), i+maxInlineSpan)
	for j := i + n; j < end; {
		k := strings.Index(s[j:end], run)
		if k < 0 {
			break
		}
		k += j
		m := len(s[k:]) - len(strings.TrimLeft(s[k:], "`"))
		if m == n {
			b.WriteString(s[i+n : k])
			return k + n
		}
		j = k + m
	}
	return i + n
}

// renderLink writes the link [text](url) at s[i:]; ok is false when s[i:]
// is not one.
func renderLink(b *strings.Builder, s string, i int) (int, bool) {
	closeText := matching(s, i, '[', ']')
	if closeText < 0 {
		return 0, false
	}
	label := renderInline(s[i+1 : closeText])
	if closeText+1 < len(s) && s[closeText+1] == '(' {
		closeURL := matching(s, closeText+1, '(', ')')
		if closeURL < 0 {
			return 0, false
		}
		target := strings.Fields(s[closeText+2 : closeURL])
		b.WriteString(label)
		if len(target) > 0 && isWebURL(strings.Trim(target[0], "<>")) {
			b.WriteString(" (" + strings.Trim(target[0], "<>") + ")")
		}
		return closeURL + 1, true
	}
	if closeText+1 < len(s) && s[closeText+1] == '[' { // a reference link
		if closeRef := matching(s, closeText+1, '[', ']'); closeRef > 0 {
			b.WriteString(label)
			return closeRef + 1, true
		}
	}
	return 0, false
}

// maxInlineSpan bounds, in bytes, how far a link or code span may reach, so
// that text full of unclosed "[" or "`" costs at most this many steps per
// byte.
const maxInlineSpan = 2048

// matching returns the index of the bracket closing the one at s[i], or -1.
func matching(s string, i int, open, closing byte) int {
	depth := 0
	for j := i; j < min(len(s), i+maxInlineSpan); j++ {
		switch s[j] {
		case '\\':
			j++
		case open:
			depth++
		case closing:
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return -1
}

// isEmphasis reports whether the run of n '*' or '_' at s[i] marks
// emphasis: it touches a word on one side only. An underscore inside a word
// (snake_case) and a star between spaces (2 * 3) are text.
func isEmphasis(s string, i, n int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+n:])
	wordBefore := i > 0 && isWordRune(before)
	wordAfter := i+n < len(s) && isWordRune(after)
	spaceBefore := i == 0 || unicode.IsSpace(before)
	spaceAfter := i+n == len(s) || unicode.IsSpace(after)
	if s[i] == '_' {
		return !(wordBefore && wordAfter)
	}
	return !(spaceBefore && spaceAfter)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isASCIIPunct(c byte) bool {
	return c < utf8.RuneSelf && unicode.IsPunct(rune(c)) || strings.IndexByte("$+<=>^`|~", c) >= 0
}

func isWebURL(u string) bool {
	l := strings.ToLower(u)
	return (strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")) && !strings.ContainsAny(u, " \t\n")
}

// splitSentences cuts plain text after each ".", "!" or "?" (with any
// closing quotes or brackets) that a space and a capital, digit or opening
// quote follow, so "e.g. this" and "v2.1" stay whole.
func splitSentences(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && s[i] != '!' && s[i] != '?' {
			continue
		}
		j := i + 1
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !strings.ContainsRune(".!?\"')]”’»", r) {
				break
			}
			j += n
		}
		i = j - 1
		if j+1 >= len(s) || s[j] != ' ' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[j+1:])
		if unicode.IsUpper(next) || unicode.IsDigit(next) || strings.ContainsRune("\"'(“«¿¡", next) {
			out = append(out, strings.TrimSpace(s[start:j]))
			start = j + 1
		}
	}
	if tail := strings.TrimSpace(s[start:]); tail != "" {
		out = append(out, tail)
	}
	return out
}
