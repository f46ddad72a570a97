package support

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/supportd/supportd/internal/passwords"
)

// Limits on user input, in characters.
const (
	MinPasswordLen    = 8
	MaxPasswordLen    = 128
	MaxEmailLen       = 254
	MaxTitleLen       = 200
	MaxDescriptionLen = 10000
	MaxContentLen     = 10000
)

// maxValueExcerpt bounds the part of a submitted value an error repeats back.
const maxValueExcerpt = 32

// excerpt returns s cut to maxValueExcerpt characters, marking the cut.
func excerpt(s string) string {
	if utf8.RuneCountInString(s) <= maxValueExcerpt {
		return s
	}
	return string([]rune(s)[:maxValueExcerpt]) + "…"
}

// NormalizeEmail is the form of an address that is stored and shown: NFKC (so
// fullwidth and other compatibility lookalikes become their plain letters), without
// surrounding white space, the domain lower-cased (domains are case-insensitive;
// the local part is kept as given). Invisible characters are not removed but
// refused by validation.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i+1] + strings.ToLower(s[i+1:])
	}
	return s
}

// EmailKey is the unique key of an address: its normalised form, lower-cased, so
// addresses differing only in case or compatibility form are one account.
func EmailKey(s string) string { return strings.ToLower(NormalizeEmail(s)) }

// invisible reports characters that render as nothing or alter the display of
// others: controls, format characters (zero-width spaces and joiners, bidi
// controls, soft hyphen) and variation selectors. An address holding one could
// look exactly like another.
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u3164' || r == '\u115F' || r == '\u1160' || r == '\uFFA0' // Hangul fillers, drawn blank
}

// validator accumulates field errors so a request reports every bad field at once.
type validator struct{ fields []FieldError }

func (v *validator) add(field, msg string, value any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: msg, Value: value})
}

func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(v.fields...)
}

// text checks a free-text field: its length after trimming surrounding white space within [minLen, maxLen] characters and no NUL bytes,
// which PostgreSQL cannot store. The value itself is stored as given.
func (v *validator) text(field, value string, minLen, maxLen int) {
	n := utf8.RuneCountInString(strings.TrimSpace(value))
	switch {
	case n < minLen && minLen == 1:
		v.add(field, "must not be blank", value)
	case n < minLen:
		v.add(field, "is too short", nil)
	case n > maxLen:
		v.add(field, "must be at most "+strconv.Itoa(maxLen)+" characters", nil)
	case strings.ContainsRune(value, 0):
		v.add(field, "must not contain NUL characters", nil)
	}
}

// email checks an address already normalised (NormalizeEmail).
func (v *validator) email(field, value string) {
	switch {
	case len(value) > MaxEmailLen:
		v.add(field, "must be at most 254 characters", nil)
	case strings.IndexFunc(value, invisible) >= 0:
		v.add(field, "must not contain invisible, format or control characters", nil)
	case !validAddress(value):
		v.add(field, "is not a valid email address", excerpt(value))
	}
}

func validAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && addr.Name == "" && validDomain(s[strings.LastIndexByte(s, '@')+1:])
}

func validDomain(d string) bool {
	return strings.Contains(d, ".") && !strings.HasPrefix(d, ".") && !strings.HasSuffix(d, ".") && !strings.Contains(d, "..")
}

// password checks a new password: one being chosen (signup, an account created,
// a password change), never one given to log in, which is checked only against
// its hash so that existing accounts keep working. The value is never repeated back.
func (v *validator) password(field, value string) {
	n := utf8.RuneCountInString(value)
	switch {
	case n < MinPasswordLen:
		v.add(field, "must be at least 8 characters", nil)
	case n > MaxPasswordLen:
		v.add(field, "must be at most 128 characters", nil)
	case passwords.IsCommon(value):
		v.add(field, "is too common: it appears in lists of leaked passwords; choose another", nil)
	}
}
