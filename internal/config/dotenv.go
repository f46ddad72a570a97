package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/joho/godotenv"
)

// Getenv returns a lookup that prefers the process environment and falls back to
// the .env file at path, if it exists. The file is read once; nothing is exported
// into the process environment.
func Getenv(environ func(string) (string, bool), path string) (func(string) string, error) {
	file := map[string]string{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", path, err)
	default:
		if file, err = godotenv.UnmarshalBytes(data); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
	}
	return func(key string) string {
		if v, ok := environ(key); ok {
			return v
		}
		return file[key]
	}, nil
}
