// Package kb holds the help-center knowledge base the AI assistant answers from:
// parsing Markdown articles, the sample knowledge base shipped inside the binary,
// and splitting articles into passages for full-text retrieval.
package kb

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTitleLen is the longest title, in characters, that Parse accepts.
const MaxTitleLen = 200

// Limits on aliases: enough for a few dozen phrasings in several languages,
// small enough that aliases cannot outweigh the article in the index.
const (
	MaxAliases  = 100 // aliases per article
	MaxAliasLen = 200 // characters per alias
)

// ErrInvalidArticle is wrapped by every error Parse and LoadDir return for a
// malformed article, so callers can tell bad input from I/O failures with errors.Is.
var ErrInvalidArticle = errors.New("invalid article")

// Article is one help-center article. Slug is its stable identifier (the file
// name without ".md"), so re-importing the same folder updates rather than duplicates.
type Article struct {
	Slug  string
	Title string
	Body  string // Markdown, trimmed, without front matter or the title heading
	Tags  []string
	// Aliases are short customer phrasings of the questions the article
	// answers, in any language, indexed like the title so that retrieval finds
	// the article from words it does not use itself.
	Aliases []string
}

// Parse reads one Markdown article. Front matter between "---" lines is optional
// and may set "title", "tags" and "aliases" ([a, b], "a, b" or a "- a" list;
// a list item is taken whole, commas included); other keys are ignored.
// Repeated tags are dropped, and repeated aliases ignoring case. Without a
// front-matter title, the first "# " heading becomes the title and is removed
// from the body. Windows line endings and a BOM are accepted.
func Parse(slug string, data []byte) (Article, error) {
	a, err := parse(slug, data)
	if err != nil {
		return Article{}, fmt.Errorf("kb: parse %q: %w", slug, err)
	}
	return a, nil
}

// parse does Parse's work; its errors do not name the article, so callers can
// name it by slug or by file.
func parse(slug string, data []byte) (Article, error) {
	if strings.TrimSpace(slug) == "" {
		return Article{}, invalid("empty slug")
	}
	text := normalize(string(data))
	fm, body, err := splitFrontMatter(text)
	if err != nil {
		return Article{}, err
	}
	if fm.title == "" {
		fm.title, body = titleFromHeading(body)
	}
	return validate(Article{Slug: slug, Title: fm.title, Body: strings.TrimSpace(body), Tags: fm.tags, Aliases: fm.aliases})
}

// validate checks the fields of a parsed article.
func validate(a Article) (Article, error) {
	switch {
	case a.Body == "":
		return Article{}, invalid("empty body")
	case a.Title == "":
		return Article{}, invalid("no title: add \"title:\" front matter or a \"# \" heading")
	case utf8.RuneCountInString(a.Title) > MaxTitleLen:
		return Article{}, invalid("title is %d characters, over the %d limit",
			utf8.RuneCountInString(a.Title), MaxTitleLen)
	case len(a.Aliases) > MaxAliases:
		return Article{}, invalid("%d aliases, over the %d limit", len(a.Aliases), MaxAliases)
	}
	for i, alias := range a.Aliases {
		if err := validateAlias(i+1, alias); err != nil {
			return Article{}, err
		}
	}
	return a, nil
}

// validateAlias checks alias number n: a single non-blank line within
// MaxAliasLen. Front matter cannot produce a newline; the check keeps the rule
// whole for articles that reach validate by other routes later.
func validateAlias(n int, alias string) error {
	switch length := utf8.RuneCountInString(alias); {
	case strings.TrimSpace(alias) == "":
		return invalid("alias %d is empty", n)
	case strings.ContainsAny(alias, "\r\n"):
		return invalid("alias %d spans more than one line", n)
	case length > MaxAliasLen:
		return invalid("alias %d is %d characters, over the %d limit", n, length, MaxAliasLen)
	}
	return nil
}

// normalize strips a UTF-8 byte order mark and converts line endings to "\n".
func normalize(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// titleFromHeading finds the first "# " heading outside code fences and returns
// its text and the body without that line; it returns "" and body if there is none.
func titleFromHeading(body string) (string, string) {
	lines := strings.Split(body, "\n")
	var fence fenceTracker
	for i, line := range lines {
		if fence.inCode(line) {
			continue
		}
		if title, ok := strings.CutPrefix(line, "# "); ok {
			rest := append(lines[:i:i], lines[i+1:]...)
			return strings.TrimSpace(title), strings.Join(rest, "\n")
		}
	}
	return "", body
}

// invalid returns an error wrapping ErrInvalidArticle.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArticle, fmt.Sprintf(format, args...))
}
