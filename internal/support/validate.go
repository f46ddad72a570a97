package support

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
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

func (v *validator) email(field, value string) {
	addr, err := mail.ParseAddress(value)
	switch {
	case len(value) > MaxEmailLen:
		v.add(field, "must be at most 254 characters", nil)
	case err != nil || addr.Address != value || addr.Name != "":
		v.add(field, "is not a valid email address", value)
	case !validDomain(value[strings.LastIndexByte(value, '@')+1:]):
		v.add(field, "is not a valid email address", value)
	}
}

func validDomain(d string) bool {
	return strings.Contains(d, ".") && !strings.HasPrefix(d, ".") && !strings.HasSuffix(d, ".") && !strings.Contains(d, "..")
}

func (v *validator) password(field, value string) {
	n := utf8.RuneCountInString(value)
	switch {
	case n < MinPasswordLen:
		v.add(field, "must be at least 8 characters", nil)
	case n > MaxPasswordLen:
		v.add(field, "must be at most 128 characters", nil)
	}
}
