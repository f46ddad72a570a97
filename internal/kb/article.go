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
}

// Parse reads one Markdown article. Front matter between "---" lines is optional
// and may set "title" and "tags" ([a, b], "a, b" or a "- a" list); other keys
// are ignored. Without a front-matter title, the first "# " heading becomes the
// title and is removed from the body. Windows line endings and a BOM are accepted.
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
	return validate(Article{Slug: slug, Title: fm.title, Body: strings.TrimSpace(body), Tags: fm.tags})
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
	}
	return a, nil
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
