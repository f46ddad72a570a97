package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DevSecret returns the development signing key kept in dataDir, creating it on first use
// so that tokens survive restarts. created reports whether a new key was written.
func DevSecret(dataDir string) (key string, created bool, err error) {
	path := filepath.Join(dataDir, "secret_key")
	data, err := os.ReadFile(path)
	if err == nil {
		key = strings.TrimSpace(string(data))
		if len(key) < MinSecretKeyBytes {
			return "", false, fmt.Errorf("%s holds a key shorter than %d bytes; delete it to generate a new one", path, MinSecretKeyBytes)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("read dev secret: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", false, fmt.Errorf("generate dev secret: %w", err)
	}
	key = hex.EncodeToString(buf)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("write dev secret: %w", err)
	}
	return key, true, nil
}

// Variety floors for a production SECRET_KEY. The key is used as given (its
// bytes, not decoded), so the rule is about the text: output of
// `openssl rand -hex 32` (64 hex digits) or `openssl rand -base64 32` passes with a
// wide margin, while a word repeated, a keyboard run or one character padded out
// does not. It is a guard against obvious mistakes, not a measure of entropy.
const (
	minDistinctKeyBytes = 10 // different byte values in the key
	maxKeyByteShare     = 4  // no byte value makes up more than 1/4 of the key
)

// lowVariety says why key looks hand-made, or "" if it does not: fewer than
// minDistinctKeyBytes different bytes, one byte making up more than a quarter of
// it, or a pattern of at most half its length repeated throughout.
func lowVariety(key string) string {
	var counts [256]int
	distinct, most := 0, 0
	for i := 0; i < len(key); i++ {
		b := key[i]
		if counts[b] == 0 {
			distinct++
		}
		counts[b]++
		most = max(most, counts[b])
	}
	switch {
	case distinct < minDistinctKeyBytes:
		return fmt.Sprintf("only %d different characters, want %d or more", distinct, minDistinctKeyBytes)
	case most*maxKeyByteShare > len(key):
		return "one character makes up more than a quarter of it"
	case repeatsPattern(key):
		return "a short pattern repeated"
	}
	return ""
}

// repeatsPattern reports whether key is a pattern of at most half its length
// repeated (the last repetition may be partial).
func repeatsPattern(key string) bool {
	for p := 1; p <= len(key)/2; p++ {
		if key[p:] == key[:len(key)-p] {
			return true
		}
	}
	return false
}
