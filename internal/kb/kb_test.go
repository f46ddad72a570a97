package kb_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/kb"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want kb.Article
	}{
		{
			name: "front matter with inline tags",
			in:   "---\ntitle: Resetting your password\ntags: [account, login]\n---\n\nBody text.\n",
			want: kb.Article{Slug: "s", Title: "Resetting your password", Body: "Body text.", Tags: []string{"account", "login"}},
		},
		{
			name: "quoted values, bare and block tags, unknown keys, comments",
			in:   "---\n# comment\ntitle: \"Billing: FAQ\"\nauthor: Ann\ntags: a, 'b'\n  - c\n  - a\n---\nBody",
			want: kb.Article{Slug: "s", Title: "Billing: FAQ", Body: "Body", Tags: []string{"a", "b", "c"}},
		},
		{
			name: "no front matter: heading becomes title",
			in:   "\n# Exporting data \n\nIntro.\n\n## Steps\nDo it.\n",
			want: kb.Article{Slug: "s", Title: "Exporting data", Body: "Intro.\n\n## Steps\nDo it."},
		},
		{
			name: "front matter without title falls back to heading",
			in:   "---\ntags: [x]\n---\n# From heading\nBody",
			want: kb.Article{Slug: "s", Title: "From heading", Body: "Body", Tags: []string{"x"}},
		},
		{
			name: "front-matter title keeps body heading",
			in:   "---\ntitle: T\n---\n# Heading\nBody",
			want: kb.Article{Slug: "s", Title: "T", Body: "# Heading\nBody"},
		},
		{
			name: "heading inside code fence is not the title",
			in:   "Text\n```\n# not a title\n```\n# Real\nMore",
			want: kb.Article{Slug: "s", Title: "Real", Body: "Text\n```\n# not a title\n```\nMore"},
		},
		{
			name: "BOM and CRLF",
			in:   "\ufeff---\r\ntitle: Win\r\n---\r\nLine one\r\nLine two\r\n",
			want: kb.Article{Slug: "s", Title: "Win", Body: "Line one\nLine two"},
		},
		{
			name: "inline aliases: quotes stripped, blanks and repeats ignoring case dropped",
			in:   "---\ntitle: T\naliases: [money back, 'Charged twice', , MONEY BACK, \"¿me devuelven el dinero?\"]\n---\nBody",
			want: kb.Article{Slug: "s", Title: "T", Body: "Body",
				Aliases: []string{"money back", "Charged twice", "¿me devuelven el dinero?"}},
		},
		{
			name: "list aliases: each line whole, commas and colons kept",
			in: "---\ntitle: T\naliases:\n  - can't log in, locked out\n  - \"Passwort vergessen: was tun?\"\n" +
				"  - Can't log in, locked out\ntags: [a]\n- a\n---\nBody",
			want: kb.Article{Slug: "s", Title: "T", Body: "Body", Tags: []string{"a"},
				Aliases: []string{"can't log in, locked out", "Passwort vergessen: was tun?"}},
		},
		{
			name: "aliases at the limits",
			in: "---\ntitle: T\naliases:\n" + aliasLines(kb.MaxAliases-1) +
				"  - " + strings.Repeat("é", kb.MaxAliasLen) + "\n---\nBody",
			want: kb.Article{Slug: "s", Title: "T", Body: "Body",
				Aliases: append(aliasList(kb.MaxAliases-1), strings.Repeat("é", kb.MaxAliasLen))},
		},
		{
			name: "title of exactly the limit",
			in:   "# " + strings.Repeat("é", kb.MaxTitleLen) + "\nBody",
			want: kb.Article{Slug: "s", Title: strings.Repeat("é", kb.MaxTitleLen), Body: "Body"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kb.Parse("s", []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, slug, in, wantMsg string
	}{
		{"empty file", "s", "", "empty body"},
		{"front matter only", "s", "---\ntitle: T\n---\n  \n", "empty body"},
		{"heading only", "s", "# Title\n\n", "empty body"},
		{"unterminated front matter", "s", "---\ntitle: T\nBody", "unterminated front matter"},
		{"no title", "s", "Just a body.", "no title"},
		{"title too long", "s", "---\ntitle: " + strings.Repeat("x", kb.MaxTitleLen+1) + "\n---\nBody", "over the 200 limit"},
		{"bad front matter line", "s", "---\ntitle: T\nnonsense\n---\nBody", "front matter line 3"},
		{"empty slug", " ", "# T\nBody", "empty slug"},
		{"too many aliases", "s", "---\naliases:\n" + aliasLines(kb.MaxAliases+1) + "---\n# T\nBody",
			"101 aliases, over the 100 limit"},
		{"alias too long", "s", "---\naliases: [ok, " + strings.Repeat("é", kb.MaxAliasLen+1) + "]\n---\n# T\nBody",
			"alias 2 is 201 characters, over the 200 limit"},
		{"empty quoted alias", "s", "---\naliases:\n  - ok\n  - \"  \"\n---\n# T\nBody", "alias 2 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kb.Parse(tt.slug, []byte(tt.in))
			if err == nil {
				t.Fatal("Parse: want error, got nil")
			}
			if !errors.Is(err, kb.ErrInvalidArticle) {
				t.Errorf("error %q does not wrap ErrInvalidArticle", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	fsys := fstest.MapFS{
		"b.md":        {Data: []byte("# B\nBody b")},
		"a.md":        {Data: []byte("---\ntitle: A\n---\nBody a")},
		"a-b.md":      {Data: []byte("# A-B\nBody a-b")},
		"notes.txt":   {Data: []byte("not an article")},
		".hidden.md":  {Data: []byte("broken")},
		"sub/c.md":    {Data: []byte("# C\nnested, skipped")},
		"dir.md/x.md": {Data: []byte("# X\ndirectory named .md, skipped")},
	}
	got, err := kb.LoadDir(fsys)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	var slugs []string
	for _, a := range got {
		slugs = append(slugs, a.Slug)
	}
	if want := []string{"a", "a-b", "b"}; !slices.Equal(slugs, want) {
		t.Errorf("slugs = %q, want %q", slugs, want)
	}
	if got[0].Title != "A" || got[0].Body != "Body a" {
		t.Errorf("first article = %+v", got[0])
	}
}

func TestLoadDirBadFile(t *testing.T) {
	fsys := fstest.MapFS{
		"good.md": {Data: []byte("# Good\nBody")},
		"bad.md":  {Data: []byte("---\ntitle: Bad\n")},
	}
	_, err := kb.LoadDir(fsys)
	if err == nil {
		t.Fatal("LoadDir: want error, got nil")
	}
	if !strings.Contains(err.Error(), "bad.md") || !errors.Is(err, kb.ErrInvalidArticle) {
		t.Errorf("error %q should name bad.md and wrap ErrInvalidArticle", err)
	}
}

func TestLoadDirEmpty(t *testing.T) {
	got, err := kb.LoadDir(fstest.MapFS{})
	if err != nil || len(got) != 0 {
		t.Errorf("LoadDir(empty) = %v, %v; want no articles, nil", got, err)
	}
}

func TestSample(t *testing.T) {
	articles := mustSample(t)
	if n := len(articles); n < 22 || n > 26 {
		t.Errorf("sample has %d articles, want 22-26", n)
	}
	seen := map[string]bool{}
	for _, a := range articles {
		if seen[a.Slug] {
			t.Errorf("duplicate slug %q", a.Slug)
		}
		seen[a.Slug] = true
		checkSampleArticle(t, a)
	}
}

// checkSampleArticle applies the sample's editorial rules to one article.
func checkSampleArticle(t *testing.T, a kb.Article) {
	t.Helper()
	if a.Title == "" || a.Body == "" || len(a.Tags) == 0 {
		t.Errorf("%s: empty title, body or tags: %+v", a.Slug, a)
	}
	if n := len(strings.Fields(a.Body)); n < 120 || n > 400 {
		t.Errorf("%s: body has %d words, want 120-400", a.Slug, n)
	}
	if !strings.Contains(a.Body, "\n## ") {
		t.Errorf("%s: body has no \"## \" sections", a.Slug)
	}
}

// minSampleAliases is the fewest aliases a sample article may have: enough for
// several English phrasings and one in each of the six other languages. The
// sample has about 30 each; which languages they cover is checked in review.
const minSampleAliases = 12

func TestSampleAliases(t *testing.T) {
	for _, a := range mustSample(t) {
		if n := len(a.Aliases); n < minSampleAliases {
			t.Errorf("%s: %d aliases, want at least %d", a.Slug, n, minSampleAliases)
		}
		title := strings.ToLower(a.Title)
		for _, alias := range a.Aliases {
			if strings.ToLower(alias) == title {
				t.Errorf("%s: alias %q repeats the title", a.Slug, alias)
			}
		}
	}
}

// aliasLines returns n distinct "- " alias lines for front matter.
func aliasLines(n int) string {
	var b strings.Builder
	for _, alias := range aliasList(n) {
		b.WriteString("  - " + alias + "\n")
	}
	return b.String()
}

// aliasList returns n distinct aliases.
func aliasList(n int) []string {
	aliases := make([]string, n)
	for i := range aliases {
		aliases[i] = "alias " + strconv.Itoa(i)
	}
	return aliases
}

func TestSampleFreshSlice(t *testing.T) {
	first := mustSample(t)
	first[0].Title = "changed"
	if second := mustSample(t); second[0].Title == "changed" {
		t.Error("Sample shares its slice between calls")
	}
}

func TestSplitSample(t *testing.T) {
	for _, maxChars := range []int{60, 200, 500, 0} {
		for _, a := range mustSample(t) {
			checkSplit(t, a, kb.Split(a, maxChars), maxChars)
		}
	}
}

// checkSplit verifies the passage size limit, headings and that no word is lost.
func checkSplit(t *testing.T, a kb.Article, ps []kb.Passage, maxChars int) {
	t.Helper()
	headings := headingsOf(a.Body)
	for _, p := range ps {
		if n := utf8.RuneCountInString(p.Text); maxChars > 0 && n > maxChars {
			t.Errorf("%s/%d: passage of %d chars: %q", a.Slug, maxChars, n, p.Text)
		}
		if p.Text == "" || p.Text != strings.TrimSpace(p.Text) {
			t.Errorf("%s/%d: empty or untrimmed passage %q", a.Slug, maxChars, p.Text)
		}
		if p.Heading != "" && !slices.Contains(headings, p.Heading) {
			t.Errorf("%s/%d: heading %q is not in the body", a.Slug, maxChars, p.Heading)
		}
	}
	got := strings.Fields(rebuild(ps))
	want := strings.Fields(a.Body)
	if !slices.Equal(got, want) {
		t.Errorf("%s/%d: passages do not reproduce the body's words\n got %q\nwant %q", a.Slug, maxChars, got, want)
	}
}

// headingsOf returns the text of the "## " headings in body.
func headingsOf(body string) []string {
	var hs []string
	for _, line := range strings.Split(body, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			hs = append(hs, strings.TrimSpace(h))
		}
	}
	return hs
}

// rebuild joins passages back into Markdown, writing each heading where it changes.
func rebuild(ps []kb.Passage) string {
	var b strings.Builder
	prev := ""
	for _, p := range ps {
		if p.Heading != prev {
			b.WriteString("\n## " + p.Heading + "\n")
			prev = p.Heading
		}
		b.WriteString(p.Text + "\n\n")
	}
	return b.String()
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		maxChars int
		want     []kb.Passage
	}{
		{
			name:     "intro and sections, paragraphs packed",
			body:     "Intro.\n\n## One\nAa.\n\nBb.\n\n## Two\nCc.",
			maxChars: 100,
			want:     []kb.Passage{{"", "Intro."}, {"One", "Aa.\n\nBb."}, {"Two", "Cc."}},
		},
		{
			name:     "paragraphs that do not fit together",
			body:     "## H\nFirst paragraph.\n\nSecond paragraph.",
			maxChars: 20,
			want:     []kb.Passage{{"H", "First paragraph."}, {"H", "Second paragraph."}},
		},
		{
			name:     "long paragraph split at sentences",
			body:     "## H\nOne two. Three four? Five six! Seven.",
			maxChars: 20,
			want:     []kb.Passage{{"H", "One two. Three four?"}, {"H", "Five six! Seven."}},
		},
		{
			name:     "long sentence split at spaces",
			body:     "alpha beta gamma delta",
			maxChars: 11,
			want:     []kb.Passage{{"", "alpha beta"}, {"", "gamma delta"}},
		},
		{
			name:     "long word cut",
			body:     "abcdefghij",
			maxChars: 4,
			want:     []kb.Passage{{"", "abcd"}, {"", "efgh"}, {"", "ij"}},
		},
		{
			name:     "list split at line breaks",
			body:     "## L\n- first item\n- second item",
			maxChars: 14,
			want:     []kb.Passage{{"L", "- first item"}, {"L", "- second item"}},
		},
		{
			name:     "code fence keeps its heading and blank lines",
			body:     "## Code\n```\n## not a heading\n\nx\n```",
			maxChars: 0,
			want:     []kb.Passage{{"Code", "```\n## not a heading\n\nx\n```"}},
		},
		{
			name:     "empty sections dropped",
			body:     "## Empty\n\n## Full\nText",
			maxChars: 0,
			want:     []kb.Passage{{"Full", "Text"}},
		},
		{
			name:     "multibyte characters counted as one",
			body:     "ééé ééé",
			maxChars: 7,
			want:     []kb.Passage{{"", "ééé ééé"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kb.Split(kb.Article{Body: tt.body}, tt.maxChars)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// question is one entry of testdata/questions.json.
type question struct {
	Question string `json:"question"`
	Slug     string `json:"slug"`
}

func TestQuestions(t *testing.T) {
	data, err := os.ReadFile("testdata/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	var qs []question
	if err := json.Unmarshal(data, &qs); err != nil {
		t.Fatalf("questions.json: %v", err)
	}
	titles := map[string]string{}
	for _, a := range mustSample(t) {
		titles[a.Slug] = a.Title
	}
	onTopic, offTopic := 0, 0
	for _, q := range qs {
		if q.Slug == "" {
			offTopic++
			continue
		}
		onTopic++
		checkQuestion(t, q, titles)
	}
	if onTopic < 12 || offTopic < 3 {
		t.Errorf("%d on-topic and %d off-topic questions, want at least 12 and 3", onTopic, offTopic)
	}
}

// checkQuestion checks that q names a sample article and does not just repeat its title.
func checkQuestion(t *testing.T, q question, titles map[string]string) {
	t.Helper()
	title, ok := titles[q.Slug]
	if !ok {
		t.Errorf("question %q: slug %q is not in the sample", q.Question, q.Slug)
		return
	}
	if strings.Contains(strings.ToLower(q.Question), strings.ToLower(title)) {
		t.Errorf("question %q copies the title %q", q.Question, title)
	}
}

// mustSample loads the embedded sample or fails the test.
func mustSample(tb testing.TB) []kb.Article {
	tb.Helper()
	articles, err := kb.Sample()
	if err != nil {
		tb.Fatalf("Sample: %v", err)
	}
	return articles
}
