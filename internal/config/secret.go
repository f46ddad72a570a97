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
