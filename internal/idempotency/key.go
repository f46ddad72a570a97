package idempotency

import (
	"errors"
	"strings"
)

// MaxKeyLen is the longest key accepted, in characters (Stripe's limit).
const MaxKeyLen = 255

// ErrMalformedKey is a header value ParseKey refuses.
var ErrMalformedKey = errors.New("Idempotency-Key must be 1 to 255 printable ASCII characters, " +
	`bare (Stripe's form) or as a quoted string ("...", the IETF draft's sf-string)`)

// ErrManyKeys is a request with more than one Idempotency-Key field.
var ErrManyKeys = errors.New("send one Idempotency-Key header, not several")

// ParseKey reads the Idempotency-Key field values of a request: exactly one,
// either a structured-field string (RFC 8941: "...", with \" and \\ the only
// escapes), as draft-ietf-httpapi-idempotency-key-header defines the field, or
// the bare text Stripe's clients send. The key is the string's content, 1 to
// MaxKeyLen printable ASCII characters (space included, but not at either end
// of a bare key, where it is the field's optional white space).
func ParseKey(values []string) (string, error) {
	if len(values) != 1 {
		return "", ErrManyKeys
	}
	v := strings.Trim(values[0], " \t")
	key, ok := v, true
	if strings.HasPrefix(v, `"`) {
		key, ok = unquote(v)
	}
	if !ok || key == "" || len(key) > MaxKeyLen {
		return "", ErrMalformedKey
	}
	for i := range len(key) {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", ErrMalformedKey
		}
	}
	return key, nil
}

// unquote reads an sf-string: the whole of s must be one quoted string.
func unquote(s string) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
				return "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), i == len(s)-1
		default:
			b.WriteByte(c)
		}
	}
	return "", false // no closing quote
}
