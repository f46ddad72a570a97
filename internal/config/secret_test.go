package config

import (
	"strings"
	"testing"
)

// The placeholder is refused in every mode; a production key must be 32 bytes or
// more and random-looking; development takes any key of 32 bytes or more.
func TestSecretKeyRules(t *testing.T) {
	prod := func(key string) error {
		_, err := Load(env(map[string]string{"SUPPORTD_ENV": "production", "SECRET_KEY": key}))
		return err
	}
	dev := func(key string) error {
		_, err := Load(env(map[string]string{"SECRET_KEY": key}))
		return err
	}
	good := map[string]string{
		"openssl rand -hex 32":    "3f9b1c7e0a2d84f6b5e1c9a07d3e2f8b6a4c1d0e9f7b3a5c2e8d1f6a0b4c7e9d",
		"openssl rand -base64 32": "q3J8vX1pLz9mT4kR0wYb6NcH2sFdUe7gAiOj5lKxZQM=",
		"openssl rand -hex 16":    "9f2c4e71b8a05d3e6f1a2b7c8d9e0f41",
	}
	for name, key := range good {
		if err := prod(key); err != nil {
			t.Errorf("%s: refused in production: %v", name, err)
		}
	}
	bad := map[string]string{
		"placeholder":       ExampleSecretKey,
		"too short":         "3f9b1c7e0a2d84f6b5e1c9a07d3e2f8",
		"one character":     strings.Repeat("x", 40),
		"few characters":    strings.Repeat("abcdefgh", 5),
		"pattern repeated":  strings.Repeat("correct horse ", 3),
		"one char dominant": "aaaaaaaaaaaaaaaaaaaaabcdefghijklmnopqrstuvwxyz",
		"word padded":       "password" + strings.Repeat("0", 30),
	}
	for name, key := range bad {
		err := prod(key)
		if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") || strings.Contains(err.Error(), key) {
			t.Errorf("%s: production error %v, want one naming SECRET_KEY without the key", name, err)
		}
	}
	if err := dev(ExampleSecretKey); err == nil {
		t.Error("the placeholder is accepted in development")
	}
	if err := dev("test-secret-key-that-is-at-least-32-bytes-long"); err != nil {
		t.Errorf("development refuses the tests' key: %v", err)
	}
	if err := dev(strings.Repeat("x", 32)); err != nil {
		t.Errorf("development applies the variety rule: %v", err)
	}
	if err := dev("short"); err == nil {
		t.Error("development accepts a key under 32 bytes")
	}
}

func TestLoginLimits(t *testing.T) {
	c, err := Load(env(nil))
	l := c.Limits.Login
	if err != nil || l.MaxFailures != 10 || l.MaxFailuresPerIP != 50 || l.FailureWindow.String() != "15m0s" ||
		l.LockoutBase.String() != "30s" || l.LockoutMax.String() != "15m0s" || l.HashQueue != 16 {
		t.Fatalf("defaults %+v, %v", l, err)
	}
	c, err = Load(env(map[string]string{"LOGIN_MAX_FAILURES": "5", "LOGIN_FAILURE_WINDOW": "1h", "PASSWORD_HASH_QUEUE": "0"}))
	if err != nil || c.Limits.Login.MaxFailures != 5 || c.Limits.Login.HashQueue != 0 {
		t.Fatalf("set: %+v, %v", c.Limits.Login, err)
	}
	bad := map[string]map[string]string{
		"LOGIN_MAX_FAILURES":        {"LOGIN_MAX_FAILURES": "0"},
		"LOGIN_MAX_FAILURES_PER_IP": {"LOGIN_MAX_FAILURES_PER_IP": "x"},
		"LOGIN_FAILURE_WINDOW":      {"LOGIN_FAILURE_WINDOW": "1s"},
		"LOGIN_LOCKOUT_BASE":        {"LOGIN_LOCKOUT_BASE": "0s"},
		"LOGIN_LOCKOUT_MAX":         {"LOGIN_LOCKOUT_MAX": "10s"},
		"PASSWORD_HASH_QUEUE":       {"PASSWORD_HASH_QUEUE": "-1"},
		// 30 per 15 minutes is 120 an hour, over ASVS's 100.
		"LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW": {"LOGIN_MAX_FAILURES": "30"},
	}
	for name, e := range bad {
		if _, err := Load(env(e)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want one naming %s", e, err, name)
		}
	}
}
