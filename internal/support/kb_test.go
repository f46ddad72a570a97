package support

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := map[string]string{
		"Refunds and cancellations":       "refunds-and-cancellations",
		"  What's new in 2FA?  ":          "whats-new-in-2fa",
		"Café & crème brûlée — Ünïcödé":   "cafe-creme-brulee-unicode",
		"VAT/GST: EU & UK":                "vat-gst-eu-uk",
		"---":                             "",
		"日本語":                             "",
		strings.Repeat("word ", 30):       strings.TrimRight(strings.Repeat("word-", 16), "-"),
		"a" + strings.Repeat("-b", 50):    "a" + strings.Repeat("-b", 39), // cut at 80, trailing hyphen dropped
		strings.Repeat("x", 79) + " tail": strings.Repeat("x", 79),
	}
	for title, want := range tests {
		got := Slugify(title)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", title, got, want)
		}
		if got != "" && !slugPattern.MatchString(got) {
			t.Errorf("Slugify(%q) = %q, which is not a valid slug", title, got)
		}
	}
}

func TestArticleFrom(t *testing.T) {
	a, err := articleFrom(ArticleInput{Title: "  Title  ", Body: "\n Body \n", Tags: []string{" b ", "a", "b"},
		Aliases: []string{" money back ", "Money Back", "¿Reembolso?"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Article{Slug: "title", Title: "Title", Body: "Body", Tags: []string{"b", "a"},
		Aliases: []string{"money back", "¿Reembolso?"}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("articleFrom = %+v, want %+v", a, want)
	}
	if a, _ := articleFrom(ArticleInput{Title: "T", Body: "B"}); a.Tags == nil {
		t.Error("nil tags stay nil; want an empty slice")
	}
	tests := []struct {
		in     ArticleInput
		fields []string
	}{
		{ArticleInput{Title: "", Body: ""}, []string{"title", "body"}},
		{ArticleInput{Title: strings.Repeat("é", 201), Body: "b"}, []string{"title"}},
		{ArticleInput{Title: "t", Body: strings.Repeat("b", MaxArticleBodyLen+1)}, []string{"body"}},
		{ArticleInput{Title: "t", Body: "b\x00"}, []string{"body"}},
		{ArticleInput{Title: "t", Body: "b", Tags: make([]string, 21)}, []string{"tags"}},
		{ArticleInput{Title: "t", Body: "b", Tags: []string{"ok", " ", strings.Repeat("x", 41)}}, []string{"tags[1]", "tags[2]"}},
		{ArticleInput{Title: "t", Body: "b", Aliases: make([]string, MaxArticleAliases+1)}, []string{"aliases"}},
		{ArticleInput{Title: "t", Body: "b", Aliases: []string{"ok", " ", strings.Repeat("é", MaxArticleAliasLen+1), "two\nlines"}},
			[]string{"aliases[1]", "aliases[2]", "aliases[3]"}},
		{ArticleInput{Slug: "Bad", Title: "t", Body: "b"}, []string{"slug"}},
		{ArticleInput{Slug: "-bad", Title: "t", Body: "b"}, []string{"slug"}},
		{ArticleInput{Slug: strings.Repeat("a", 81), Title: "t", Body: "b"}, []string{"slug"}},
		{ArticleInput{Title: "!!!", Body: "b"}, []string{"slug"}},
	}
	for _, tt := range tests {
		_, err := articleFrom(tt.in)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalid {
			t.Errorf("articleFrom(%.40q) error %v, want invalid", tt.in, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field)
		}
		if !reflect.DeepEqual(got, tt.fields) {
			t.Errorf("articleFrom(%.40q) fields %v, want %v", tt.in, got, tt.fields)
		}
	}
}

func TestGroupPassages(t *testing.T) {
	ps := []Passage{{ArticleID: "a", Score: 5}, {ArticleID: "b", Score: 4}, {ArticleID: "a", Score: 3}, {ArticleID: "c", Score: 2}, {ArticleID: "b", Score: 1}}
	ids, by := groupPassages(ps, 2)
	if !reflect.DeepEqual(ids, []string{"a", "b"}) || len(by["a"]) != 2 || len(by["b"]) != 2 || by["c"] != nil {
		t.Errorf("groupPassages = %v, %v", ids, by)
	}
}
