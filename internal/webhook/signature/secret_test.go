package signature

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

func TestNewSecret(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, 40) // more than needed: NewSecret takes 32
	s, err := NewSecret(bytes.NewReader(key))
	if err != nil {
		t.Fatal(err)
	}
	want := "whsec_" + base64.StdEncoding.EncodeToString(key[:32])
	if got := s.Reveal(); got != want {
		t.Fatalf("Reveal() = %q, want %q", got, want)
	}
	back, err := ParseSecret(s.Reveal())
	if err != nil || !bytes.Equal(back.key, s.key) {
		t.Fatalf("ParseSecret(Reveal()) = %v, %v; want the same key", back.key, err)
	}
	if _, err := NewSecret(bytes.NewReader(key[:31])); err == nil {
		t.Error("NewSecret with 31 random bytes available succeeded")
	}
	if _, err := NewSecret(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("NewSecret with a failing reader succeeded")
	}
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)) }
	good := map[string]int{
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": 24, // the specification libraries' test secret
		"whsec_" + b64(24):                       24,
		"whsec_" + b64(32):                       32,
		"whsec_" + b64(64):                       64,
	}
	for in, n := range good {
		s, err := ParseSecret(in)
		if err != nil || len(s.key) != n || s.Reveal() != in {
			t.Errorf("ParseSecret(%q) = %d bytes, %v; want %d bytes spelled the same", in, len(s.key), err, n)
		}
	}
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"prefix only", "whsec_"},
		{"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"upper-case prefix", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"asymmetric key prefix", "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"not base64", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!!"},
		{"url-safe alphabet", "whsec_" + strings.ReplaceAll(strings.ReplaceAll(b64(33)+"-_", "+", "-"), "/", "_")},
		{"unpadded", "whsec_" + strings.TrimRight(b64(32), "=")},
		{"line break inside", "whsec_MfKQ9r8GKYqrTwjU\nPD8ILPZIo2LaLaSw"},
		{"trailing space", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "},
		{"non-canonical trailing bits", "whsec_" + withTrailingBits(b64(32))},
		{"23 bytes", "whsec_" + b64(23)},
		{"65 bytes", "whsec_" + b64(65)},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSecret(c.in)
			if !errors.Is(err, ErrMalformedSecret) {
				t.Fatalf("ParseSecret(%q) = %d bytes, %v; want ErrMalformedSecret", c.in, len(s.key), err)
			}
			if strings.Contains(err.Error(), "MfKQ9r8") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
}

func TestSecretIsRedactedWhenPrinted(t *testing.T) {
	s, err := ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %s %+v %#v %v", s, s, s, s, []Secret{s})
	if strings.Contains(out, "MfKQ9r8") || strings.Contains(out, "49, ") {
		t.Fatalf("printing a secret shows it: %s", out)
	}
}

// withTrailingBits sets the unused low bit of enc's last character: lenient
// decoders read the same bytes, but it is not the canonical spelling.
func withTrailingBits(enc string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.TrimRight(enc, "=")
	last := strings.IndexByte(alphabet, i[len(i)-1])
	return i[:len(i)-1] + string(alphabet[last|1]) + enc[len(i):]
}

func TestWithTrailingBitsDecodesLeniently(t *testing.T) {
	enc := withTrailingBits(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if key, err := base64.StdEncoding.DecodeString(enc); err != nil || len(key) != 32 {
		t.Fatalf("%q: %d bytes, %v; the case would not test canonical spelling", enc, len(key), err)
	}
}
