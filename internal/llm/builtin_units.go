package llm

import (
	"strings"
	"unicode/utf8"
)

// Size limits of quoted units, in runes. They bound the reply whatever the
// passages hold.
const (
	// unitRunes caps a sentence, a list item or a code block; a longer
	// sentence (text without punctuation) is shortened at a word.
	unitRunes = 500
	// bulletListRunes is the longest bulleted list quoted whole; a longer
	// one is quoted item by item, the items that answer.
	bulletListRunes = 400
	// stepListRunes is the longest numbered list quoted whole. Steps are
	// useless half quoted, so this is generous.
	stepListRunes = 1200
)

// unit is the smallest piece the built-in responder quotes: a sentence, a
// whole list, a list item of a long bulleted list, or a code block.
type unit struct {
	block   int    // index of its block in the passage: units of one block are rendered together
	kind    mdKind // mdParagraph for a sentence
	heading string
	text    string // plain text; lists and code span several lines
	runes   int
	terms   map[string]bool
	score   float64
}

// passageUnits renders a passage into units, in reading order.
func passageUnits(text string) []*unit {
	var out []*unit
	for i, bl := range parseMarkdown(text) {
		var us []*unit
		switch bl.kind {
		case mdParagraph:
			us = sentenceUnits(bl)
		case mdCode:
			us = codeUnits(bl)
		default:
			us = listUnits(bl)
		}
		for _, u := range us {
			u.block, u.heading = i, bl.heading
			u.runes = utf8.RuneCountInString(u.text)
		}
		out = appendUnits(out, us)
	}
	return out
}

// appendUnits adds the units of a block. A whole list or a code block that
// a sentence ending in ":" introduces joins that sentence, so neither is
// quoted without the other.
func appendUnits(out, us []*unit) []*unit {
	if len(us) == 1 && us[0].kind != mdParagraph && len(out) > 0 {
		prev := out[len(out)-1]
		if prev.kind == mdParagraph && prev.block == us[0].block-1 && strings.HasSuffix(prev.text, ":") {
			prev.text += "\n" + us[0].text
			prev.kind, prev.block = us[0].kind, us[0].block
			prev.runes = utf8.RuneCountInString(prev.text)
			return out
		}
	}
	return append(out, us...)
}

func sentenceUnits(bl mdBlock) []*unit {
	var out []*unit
	for _, s := range splitSentences(renderInline(strings.Join(bl.lines, " "))) {
		out = append(out, &unit{kind: mdParagraph, text: truncateWords(s, unitRunes)})
	}
	return out
}

// listUnits quotes a list whole, or item by item when it is too long.
func listUnits(bl mdBlock) []*unit {
	items := make([]string, len(bl.lines))
	total := 0
	for i, line := range bl.lines {
		items[i] = bl.marks[i] + " " + truncateWords(renderInline(line), unitRunes)
		total += utf8.RuneCountInString(items[i]) + 1
	}
	limit := bulletListRunes
	if bl.kind == mdSteps {
		limit = stepListRunes
	}
	if total <= limit {
		return []*unit{{kind: bl.kind, text: strings.Join(items, "\n")}}
	}
	out := make([]*unit, len(items))
	for i, it := range items {
		out[i] = &unit{kind: bl.kind, text: it}
	}
	return out
}

// codeUnits quotes a code block indented, or not at all when it is too long
// to quote whole (half a command is worse than none).
func codeUnits(bl mdBlock) []*unit {
	lines := make([]string, len(bl.lines))
	for i, l := range bl.lines {
		lines[i] = "    " + strings.TrimRight(l, " \t")
	}
	text := strings.Join(lines, "\n")
	if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > unitRunes {
		return nil
	}
	return []*unit{{kind: mdCode, text: text}}
}
