package llm

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRenderInline(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"**bold** and __strong__ and *em* and _em_", "bold and strong and em and em"},
		{"***both***", "both"},
		{"use `a **b**` here", "use a **b** here"},
		{"``code with ` tick``", "code with ` tick"},
		{"an `unclosed tick", "an unclosed tick"},
		{"[docs](https://x.example/a_(b)) and [home](/home \"Home\")", "docs (https://x.example/a_(b)) and home"},
		{"[ref link][1] and ![logo](https://x.example/l.png)", "ref link and logo (https://x.example/l.png)"},
		{"[not a link] (x)", "[not a link] (x)"},
		{"<https://x.example> and <b>", "https://x.example and <b>"},
		{"snake_case_name, 2 * 3, a*b", "snake_case_name, 2 * 3, ab"},
		{`\*literal\* and \_this\_ and C:\path`, `*literal* and _this_ and C:\path`},
		{"  many \t spaces\nand lines  ", "many spaces and lines"},
		{"Settings → Security", "Settings → Security"},
		{"[x](" + strings.Repeat("a", maxInlineSpan) + ")", "[x](" + strings.Repeat("a", maxInlineSpan) + ")"},
	} {
		if got := renderInline(tc.in); got != tc.want {
			t.Errorf("renderInline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Text full of unclosed brackets or backticks costs at most maxInlineSpan
// steps per byte.
func TestRenderInlineIsBounded(t *testing.T) {
	for _, in := range []string{strings.Repeat("[", 20_000), strings.Repeat("` ``", 5_000), strings.Repeat("[a](", 5_000)} {
		start := time.Now()
		renderInline(in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q… took %v", in[:8], d)
		}
	}
}

func TestSplitSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"One. Two! Three? Four", []string{"One.", "Two!", "Three?", "Four"}},
		{"Use e.g. this one. It works.", []string{"Use e.g. this one.", "It works."}},
		{"Version 2.1 is out. 3 bugs fixed.", []string{"Version 2.1 is out.", "3 bugs fixed."}},
		{`He said "stop." Then left.`, []string{`He said "stop."`, "Then left."}},
		{"Wait... Really?! Yes.", []string{"Wait...", "Really?!", "Yes."}},
		{"(See below.) Then go.", []string{"(See below.)", "Then go."}},
		{"no punctuation at all", []string{"no punctuation at all"}},
		{"", nil},
	} {
		if got := splitSentences(tc.in); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("splitSentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLeadingHeading(t *testing.T) {
	for _, tc := range []struct{ in, heading string }{
		{"Rate limits\nTeam: 120.", "Rate limits"},
		{"## The **API**\nText.", "The API"},
		{"A sentence that ends.\nMore.", ""},
		{"Only a heading", ""},
		{"- an item\n- another", ""},
		{"this first line is a paragraph soft wrapped at the usual width of\nseventy-two characters.", ""},
		{strings.Repeat("x", leadingHeadingRunes+1) + "\nText.", ""},
	} {
		if h, _ := leadingHeading(tc.in); h != tc.heading {
			t.Errorf("leadingHeading(%q) = %q, want %q", tc.in, h, tc.heading)
		}
	}
}

func TestParseMarkdown(t *testing.T) {
	in := "Intro line one is a soft wrapped paragraph of many words\nline two.\n\n1. First\n\n2. Second\n   continued\n   - nested\n3) Third\nlazy\n\nAfter.\n\n" +
		"> Quoted\n> more.\n\n~~~sh\n  indented()\n~~~\n\n---\n\n## Later\n\n* star\n+ plus"
	var got []string
	for _, b := range parseMarkdown(in) {
		got = append(got, fmt.Sprintf("%d|%s|%v|%q|%q", b.kind, b.heading, b.quote, b.lines, b.marks))
	}
	want := []string{
		`0||false|["Intro line one is a soft wrapped paragraph of many words" "line two."]|[]`,
		`1||false|["First" "Second continued" "nested" "Third lazy"]|["1." "2." "  -" "3."]`,
		`0||false|["After."]|[]`,
		`0||true|["Quoted" "more."]|[]`,
		`3||false|["  indented()"]|[]`,
		`2|Later|false|["star" "plus"]|["-" "-"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("blocks\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPassageUnitsLimits(t *testing.T) {
	item := func(mark string, n int) string { return mark + " " + strings.Repeat("word ", n/5) }
	list := func(mark string, items, runes int) string {
		var lines []string
		for range items {
			lines = append(lines, item(mark, runes))
		}
		return strings.Join(lines, "\n")
	}
	for _, tc := range []struct {
		name  string
		text  string
		units int
	}{
		{"short bullet list is one unit", list("-", 3, bulletListRunes/3-10), 1},
		{"long bullet list is one unit per item", list("-", 3, bulletListRunes/3+10), 3},
		{"step list up to the limit is one unit", list("1.", 4, stepListRunes/4-10), 1},
		{"longer step list is one unit per step", list("1.", 4, stepListRunes/4+10), 4},
		{"code block up to the limit is quoted", "```\n" + strings.Repeat("x", unitRunes-10) + "\n```", 1},
		{"longer code block is left out", "```\n" + strings.Repeat("x", unitRunes+1) + "\n```", 0},
		{"intro sentence joins its list", "Do this:\n\n- a\n- b", 1},
		{"empty passage", " \n \t\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := passageUnits(tc.text); len(got) != tc.units {
				t.Errorf("%d units, want %d", len(got), tc.units)
			}
		})
	}
	long := passageUnits(strings.Repeat("word ", 1000))
	if len(long) != 1 || utf8.RuneCountInString(long[0].text) > unitRunes {
		t.Errorf("a sentence without end is not capped at %d runes: %d units", unitRunes, len(long))
	}
}

func TestAsksHow(t *testing.T) {
	for _, tc := range []struct {
		q, lang string
		want    bool
	}{
		{"How do I export?", "en", true},
		{"How many requests per minute?", "en", false},
		{"I lost it, what do I do", "en", true},
		{"Where is my invoice?", "en", false},
		{"¿Cómo exporto mis datos?", "es", true},
		{"Wie viele Nutzer?", "de", false},
		{"Wie exportiere ich?", "de", true},
		{"Que dois-je faire ?", "fr", true},
		{"Hoe exporteer ik?", "nl", true},
	} {
		if got := asksHow(tc.q, builtinPhrasesFor(tc.lang)); got != tc.want {
			t.Errorf("asksHow(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestBuiltinReplyBudget(t *testing.T) {
	var paras []string
	for i := range 40 {
		paras = append(paras, fmt.Sprintf("Invoice rule %d applies to every invoice you send.", i))
	}
	b := NewBuiltin(BuiltinOptions{})
	text, cited := b.compose(Request{Question: "invoice rule", Passages: []Passage{{Title: "Rules", Text: strings.Join(paras, "\n\n")}}})
	lines := strings.Split(text, "\n")
	body := strings.Join(lines[3:len(lines)-2], "\n")
	if n := utf8.RuneCountInString(body); n > builtinReplyRunes || n < builtinReplyRunes-100 || len(cited) != 1 {
		t.Errorf("quoted %d runes, want about %d:\n%s", n, builtinReplyRunes, text)
	}
}
