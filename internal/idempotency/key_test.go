package idempotency_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/idempotency"
)

func TestParseKey(t *testing.T) {
	long := strings.Repeat("k", idempotency.MaxKeyLen)
	for _, c := range []struct {
		name   string
		values []string
		want   string
		err    error
	}{
		{"bare, Stripe's form", []string{"8e03978e-40d5-43e8-bc93-6894a57f9324"}, "8e03978e-40d5-43e8-bc93-6894a57f9324", nil},
		{"sf-string, the draft's form", []string{`"8e03978e-40d5"`}, "8e03978e-40d5", nil},
		{"escapes", []string{`"a\"b\\c"`}, `a"b\c`, nil},
		{"optional white space", []string{" \tkey 1\t "}, "key 1", nil},
		{"255 characters", []string{long}, long, nil},
		{"255 quoted", []string{`"` + long + `"`}, long, nil},
		{"256 characters", []string{long + "k"}, "", idempotency.ErrMalformedKey},
		{"empty", []string{""}, "", idempotency.ErrMalformedKey},
		{"empty string", []string{`""`}, "", idempotency.ErrMalformedKey},
		{"unterminated", []string{`"abc`}, "", idempotency.ErrMalformedKey},
		{"text after the string", []string{`"abc"def`}, "", idempotency.ErrMalformedKey},
		{"bad escape", []string{`"a\nb"`}, "", idempotency.ErrMalformedKey},
		{"control character", []string{"a\x01b"}, "", idempotency.ErrMalformedKey},
		{"not ASCII", []string{"clé"}, "", idempotency.ErrMalformedKey},
		{"two fields", []string{"a", "b"}, "", idempotency.ErrManyKeys},
	} {
		got, err := idempotency.ParseKey(c.values)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: ParseKey(%q) = %q, %v; want %q, %v", c.name, c.values, got, err, c.want, c.err)
		}
	}
}
