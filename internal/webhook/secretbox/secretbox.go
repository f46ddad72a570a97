// Package secretbox keeps webhook signing secrets encrypted at rest: AES-256-GCM
// under a key derived from the service's SECRET_KEY with HKDF-SHA256, a fresh
// random nonce per encryption, and the row's id as additional data so a sealed
// secret copied onto another row does not open there.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// info separates this key from any other derived from SECRET_KEY (the JWTs
// use SECRET_KEY itself); a new scheme takes a new info and a new prefix.
const info = "supportd webhook secrets v1"

// prefix marks the format of a sealed value, so a later scheme can tell them apart.
const prefix = "v1:"

// ErrOpen is returned for a sealed value that does not open: altered, made
// under another key, for another row, or not a sealed value at all.
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// Box seals and opens secrets. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New derives the box's key from master (SECRET_KEY), which must not be empty.
func New(master []byte) (*Box, error) {
	if len(master) == 0 {
		return nil, errors.New("secretbox: empty master key")
	}
	key, err := hkdf.Key(sha256.New, master, nil, info, 32)
	if err != nil {
		return nil, fmt.Errorf("secretbox: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad (the owning row's id) and returns
// "v1:" followed by the base64 of nonce and ciphertext, for a TEXT column.
func (b *Box) Seal(plaintext, aad []byte) (string, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	sealed := b.aead.Seal(nonce, nonce, plaintext, aad)
	return prefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts what Seal returned for the same aad, or returns ErrOpen.
func (b *Box) Open(sealed string, aad []byte) ([]byte, error) {
	enc, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrOpen
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
