package support

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Limits on articles, in characters.
const (
	MaxArticleTitleLen = 200
	MaxArticleBodyLen  = 50000
	MaxArticleTags     = 20
	MaxArticleTagLen   = 40
	MaxSlugLen         = 80
	MaxArticleAliases  = 100
	MaxArticleAliasLen = 200
)

// slugPattern is what a slug looks like: safe in a URL path and a file name.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)

// articleFrom validates in and returns the article it describes: title, body
// and tags trimmed, repeated tags dropped, and the slug derived from the title
// when empty. IDs and times are left for the caller.
func articleFrom(in ArticleInput) (*Article, error) {
	var v validator
	v.text("title", in.Title, 1, MaxArticleTitleLen)
	v.text("body", in.Body, 1, MaxArticleBodyLen)
	v.tags("tags", in.Tags)
	v.aliases("aliases", in.Aliases)
	a := &Article{Slug: in.Slug, Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body), Tags: cleanTags(in.Tags),
		Aliases: cleanAliases(in.Aliases)}
	switch {
	case a.Slug == "" && a.Title != "":
		if a.Slug = Slugify(a.Title); a.Slug == "" {
			v.add("slug", "cannot be derived from the title; set one", nil)
		}
	case a.Slug != "" && !slugPattern.MatchString(a.Slug):
		v.add("slug", "must be 1 to 80 lowercase letters, digits and hyphens, starting with a letter or digit", a.Slug)
	}
	return a, v.err()
}

// tags checks the number of tags and each tag's length.
func (v *validator) tags(field string, tags []string) {
	if len(tags) > MaxArticleTags {
		v.add(field, "must have at most "+strconv.Itoa(MaxArticleTags)+" tags", nil)
		return
	}
	for i, t := range tags {
		v.text(field+"["+strconv.Itoa(i)+"]", t, 1, MaxArticleTagLen)
	}
}

// aliases checks the number of aliases and each one's length; an alias is one
// line, as the Markdown front matter holds it.
func (v *validator) aliases(field string, aliases []string) {
	if len(aliases) > MaxArticleAliases {
		v.add(field, "must have at most "+strconv.Itoa(MaxArticleAliases)+" aliases", nil)
		return
	}
	for i, a := range aliases {
		f := field + "[" + strconv.Itoa(i) + "]"
		v.text(f, a, 1, MaxArticleAliasLen)
		if strings.ContainsAny(a, "\r\n") {
			v.add(f, "must be a single line", excerpt(a))
		}
	}
}

// cleanAliases trims aliases and drops repeats, ignoring case; never nil.
func cleanAliases(aliases []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		if key := strings.ToLower(a); a != "" && !seen[key] {
			seen[key] = true
			out = append(out, a)
		}
	}
	return out
}

// cleanTags trims tags and drops repeats; the result is never nil.
func cleanTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// foldLatin spells common accented Latin letters in ASCII for slugs.
var foldLatin = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae", "ç", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i",
	"ñ", "n", "ò", "o", "ó", "o", "ô", "o", "õ", "o", "ö", "o", "ø", "o", "œ", "oe",
	"ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss",
	"'", "", "’", "", // "What's new" → what-s-new reads worse than whats-new
)

// Slugify derives a slug from a title: lower-case ASCII letters and digits,
// with every other run of characters turned into one hyphen, cut to
// MaxSlugLen. It returns "" when the title has no usable character.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range foldLatin.Replace(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	slug := b.String()
	if len(slug) > MaxSlugLen {
		slug = strings.TrimRight(slug[:MaxSlugLen], "-")
	}
	return slug
}
