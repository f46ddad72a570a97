// Package signature signs and verifies webhook deliveries as the Standard Webhooks
// specification describes (symmetric scheme, signature identifier v1): an
// HMAC-SHA256 over "id.timestamp.body" under a whsec_ secret, so any receiver using
// one of the specification's libraries can check what supportd sends.
package signature

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SecretPrefix marks a serialized signing secret, so people and tools can tell it
// apart from other keys (and from the asymmetric whsk_/whpk_ keys of the specification).
const SecretPrefix = "whsec_"

// The specification asks for 24 to 64 random bytes; new secrets take 32, the size
// of an HMAC-SHA256 output.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
	NewSecretBytes = 32
)

// ErrMalformedSecret is returned by ParseSecret for anything that is not a
// whsec_ secret of an acceptable length.
var ErrMalformedSecret = errors.New("malformed webhook secret")

// Secret is one endpoint's HMAC key. Its String form is redacted so a secret that
// reaches a log line or an error by mistake does not leak; Reveal gives the
// serialized form, to show once and to store encrypted.
type Secret struct {
	key []byte
}

// NewSecret draws a new 32-byte secret from rand (crypto/rand.Reader in production).
func NewSecret(rand io.Reader) (Secret, error) {
	key := make([]byte, NewSecretBytes)
	if _, err := io.ReadFull(rand, key); err != nil {
		return Secret{}, fmt.Errorf("generate webhook secret: %w", err)
	}
	return Secret{key: key}, nil
}

// ParseSecret reads a serialized secret: "whsec_" followed by the standard, padded
// base64 encoding of 24 to 64 bytes. Only the canonical encoding is accepted (no
// line breaks, no stray bits), so one key has exactly one spelling.
func ParseSecret(s string) (Secret, error) {
	enc, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return Secret{}, fmt.Errorf("%w: want the prefix %q", ErrMalformedSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || base64.StdEncoding.EncodeToString(key) != enc {
		return Secret{}, fmt.Errorf("%w: the part after %q is not standard padded base64", ErrMalformedSecret, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("%w: %d bytes, want %d to %d", ErrMalformedSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return Secret{key: key}, nil
}

// Reveal returns the serialized secret, whsec_<base64>: what the admin is shown once
// and what is stored (encrypted).
func (s Secret) Reveal() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(s.key)
}

// IsZero reports whether s holds no key (the zero Secret signs nothing).
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String is redacted: secrets never reach logs through %v or %s.
func (s Secret) String() string { return SecretPrefix + "[redacted]" }

// GoString is redacted too, for %#v.
func (s Secret) GoString() string { return "signature.Secret{" + s.String() + "}" }
