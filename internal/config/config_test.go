package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreZeroConfiguration(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8000 || c.DatabaseURL != "sqlite://data/supportd.db" || !c.Dev() || c.LogFormat != "text" ||
		c.AI.GroqModel != "llama-3.3-70b-versatile" || strings.Join(c.AI.Providers, ",") != "builtin" || !c.KBSeedSample {
		t.Fatalf("defaults %+v", c)
	}
}

func TestDatabaseURLPrecedence(t *testing.T) {
	pg := map[string]string{"POSTGRES_SERVER": "db", "POSTGRES_USER": "app", "POSTGRES_PASSWORD": "p@ss word", "POSTGRES_DB": "support"}
	c, err := Load(env(pg))
	if err != nil || c.DatabaseURL != "postgres://app:p%40ss%20word@db:5432/support" {
		t.Fatalf("POSTGRES_*: %q %v", c.DatabaseURL, err)
	}
	pg["DATABASE_URL"] = "sqlite:///var/lib/supportd/app.db"
	if c, _ := Load(env(pg)); c.DatabaseURL != pg["DATABASE_URL"] {
		t.Fatalf("DATABASE_URL must win: %q", c.DatabaseURL)
	}
	if strings.Contains(c.String(), "p@ss") {
		t.Errorf("String leaks the password: %s", c)
	}
}

func TestProductionIsStrict(t *testing.T) {
	key := strings.Repeat("x", 32)
	c, err := Load(env(map[string]string{"SUPPORTD_ENV": "production", "SECRET_KEY": key, "GROQ_API_KEY": "gsk_1"}))
	if err != nil || c.LogFormat != "json" || c.KBSeedSample || strings.Join(c.AI.Providers, ",") != "groq,builtin" {
		t.Fatalf("production: %+v %v", c, err)
	}
	if strings.Contains(c.String(), key) || strings.Contains(c.String(), "gsk_1") {
		t.Errorf("String leaks secrets: %s", c)
	}
	_, err = Load(env(map[string]string{"SECRET_KEY": ExampleSecretKey}))
	if err != nil {
		t.Errorf("the placeholder is allowed in development: %v", err)
	}
}

func TestDotEnvFileIsAFallback(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	os.WriteFile(path, []byte("PORT=9000\n# comment\nGROQ_MODEL=from-file\n"), 0o600)
	get, err := Getenv(func(k string) (string, bool) {
		if k == "PORT" {
			return "7000", true
		}
		return "", false
	}, path)
	if err != nil {
		t.Fatal(err)
	}
	if get("PORT") != "7000" || get("GROQ_MODEL") != "from-file" || get("MISSING") != "" {
		t.Fatalf("PORT %q GROQ_MODEL %q", get("PORT"), get("GROQ_MODEL"))
	}
	if _, err := Getenv(func(string) (string, bool) { return "", false }, filepath.Join(dir, "absent")); err != nil {
		t.Fatalf("a missing .env is fine: %v", err)
	}
}

func TestDevSecretIsKeptAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := DevSecret(dir)
	if err != nil || !created || len(k1) < MinSecretKeyBytes {
		t.Fatalf("first: %q %v %v", k1, created, err)
	}
	k2, created, err := DevSecret(dir)
	if err != nil || created || k2 != k1 {
		t.Fatalf("second: %q %v %v", k2, created, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "secret_key")); fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v", fi.Mode())
	}
}

func TestAuthCacheTTL(t *testing.T) {
	if c, err := Load(env(nil)); err != nil || c.AuthCacheTTL != 0 {
		t.Fatalf("default AUTH_CACHE_TTL = %v, %v; want 0 (a lookup per request)", c.AuthCacheTTL, err)
	}
	if c, err := Load(env(map[string]string{"AUTH_CACHE_TTL": "1s"})); err != nil || c.AuthCacheTTL.String() != "1s" {
		t.Fatalf("AUTH_CACHE_TTL=1s: %v, %v", c.AuthCacheTTL, err)
	}
	for _, bad := range []string{"-1s", "2m", "soon"} {
		_, err := Load(env(map[string]string{"AUTH_CACHE_TTL": bad}))
		if err == nil || !strings.Contains(err.Error(), "AUTH_CACHE_TTL") {
			t.Errorf("AUTH_CACHE_TTL=%s: error %v, want one naming the variable", bad, err)
		}
	}
}

func TestRedisURL(t *testing.T) {
	if c, err := Load(env(nil)); err != nil || c.RedisURL != "" {
		t.Fatalf("REDIS_URL defaults to unset: %q, %v", c.RedisURL, err)
	}
	c, err := Load(env(map[string]string{"REDIS_URL": "redis://:s3cret@cache:6379/0"}))
	if err != nil || c.RedisURL != "redis://:s3cret@cache:6379/0" {
		t.Fatalf("REDIS_URL: %q, %v", c.RedisURL, err)
	}
	if strings.Contains(c.String(), "s3cret") {
		t.Errorf("String leaks the Redis password: %s", c)
	}
	for _, bad := range []string{"http://cache:6379", "cache:6379", "://"} {
		if _, err := Load(env(map[string]string{"REDIS_URL": bad})); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("REDIS_URL=%s: error %v, want one naming the variable", bad, err)
		}
	}
}
