package kb

import (
	"slices"
	"strings"
)

// frontMatter holds the keys Parse understands; others are ignored.
type frontMatter struct {
	title   string
	tags    []string
	aliases []string
}

// splitFrontMatter separates optional "---" front matter from the body.
// Text without a leading "---" line has no front matter.
func splitFrontMatter(text string) (frontMatter, string, error) {
	first, rest, _ := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return frontMatter{}, text, nil
	}
	lines := strings.Split(rest, "\n")
	for i, line := range lines {
		if strings.TrimRight(line, " \t") == "---" {
			fm, err := parseFrontMatter(lines[:i])
			return fm, strings.Join(lines[i+1:], "\n"), err
		}
	}
	return frontMatter{}, "", invalid("unterminated front matter: no closing \"---\" line")
}

// parseFrontMatter reads "key: value" lines and "- item" continuation lines.
func parseFrontMatter(lines []string) (frontMatter, error) {
	var fm frontMatter
	key := ""
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if item, ok := strings.CutPrefix(line, "- "); ok && fm.addItem(key, item) {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return frontMatter{}, invalid("front matter line %d: want \"key: value\", got %q", i+2, line)
		}
		key = strings.ToLower(strings.TrimSpace(k))
		fm.set(key, strings.TrimSpace(v))
	}
	return fm, nil
}

// set stores one front-matter value.
func (fm *frontMatter) set(key, value string) {
	switch key {
	case "title":
		fm.title = unquote(value)
	case "tags":
		fm.tags = appendTags(fm.tags, splitInline(value)...)
	case "aliases":
		// Blank inline items (a trailing comma) are dropped; validate rejects
		// a blank "- " item, which can only be deliberate.
		for _, item := range splitInline(value) {
			if strings.TrimSpace(item) != "" {
				fm.aliases = appendAlias(fm.aliases, item)
			}
		}
	}
}

// addItem stores a "- item" line under the list key above it and reports
// whether that key takes a list. The item is one whole value: an alias may
// contain commas there.
func (fm *frontMatter) addItem(key, item string) bool {
	switch key {
	case "tags":
		fm.tags = appendTags(fm.tags, item)
	case "aliases":
		fm.aliases = appendAlias(fm.aliases, item)
	default:
		return false
	}
	return true
}

// splitInline splits an inline list, "[a, b]" or "a, b", at its commas.
func splitInline(value string) []string {
	value = strings.TrimSuffix(strings.TrimPrefix(value, "["), "]")
	return strings.Split(value, ",")
}

// appendAlias adds a trimmed, unquoted alias unless one differing only in
// case is already present.
func appendAlias(aliases []string, item string) []string {
	alias := unquote(strings.TrimSpace(item))
	if slices.ContainsFunc(aliases, func(a string) bool { return strings.EqualFold(a, alias) }) {
		return aliases
	}
	return append(aliases, alias)
}

// appendTags adds trimmed, unquoted, non-empty tags that are not already present.
func appendTags(tags []string, items ...string) []string {
	for _, item := range items {
		tag := unquote(strings.TrimSpace(item))
		if tag != "" && !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags
}

// unquote removes one pair of matching single or double quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
