package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	key := "9f2c4e71b8a05d3e6f1a2b7c8d9e0f41" // 32 random-looking bytes
	c, err := Load(env(map[string]string{"SUPPORTD_ENV": "production", "SECRET_KEY": key, "GROQ_API_KEY": "gsk_1"}))
	if err != nil || c.LogFormat != "json" || c.KBSeedSample || strings.Join(c.AI.Providers, ",") != "groq,builtin" {
		t.Fatalf("production: %+v %v", c, err)
	}
	if strings.Contains(c.String(), key) || strings.Contains(c.String(), "gsk_1") {
		t.Errorf("String leaks secrets: %s", c)
	}
	_, err = Load(env(map[string]string{"SECRET_KEY": ExampleSecretKey}))
	if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("the placeholder must be refused in development too: %v", err)
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

func TestRateLimits(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Limits.Rate
	if r.User.String() != "300 requests per minute" || r.IP.String() != "300 requests per minute" ||
		r.Signup.String() != "20 requests per hour" || r.Login.String() != "30 requests per minute" ||
		r.Write.String() != "60 requests per minute" {
		t.Fatalf("defaults %+v", r)
	}
	if r.User.Name != "user" || r.IP.Name != "ip" || r.Signup.Name != "signup" || r.Login.Name != "login" || r.Write.Name != "write" {
		t.Fatalf("policy names %+v", r)
	}
	c, err = Load(env(map[string]string{"RATE_LIMIT_USER": "off", "RATE_LIMIT_SIGNUP": "5/d", "RATE_LIMIT_WRITE": "10/90s"}))
	if err != nil || !c.Limits.Rate.User.Off() || c.Limits.Rate.Signup.Period != 24*time.Hour ||
		c.Limits.Rate.Write.Count != 10 || c.Limits.Rate.Write.Period != 90*time.Second {
		t.Fatalf("custom limits %+v, %v", c.Limits.Rate, err)
	}
	for _, key := range []string{"RATE_LIMIT_USER", "RATE_LIMIT_IP", "RATE_LIMIT_SIGNUP", "RATE_LIMIT_LOGIN", "RATE_LIMIT_WRITE"} {
		for _, bad := range []string{"300", "0/1m", "300/1w", "lots"} {
			if _, err := Load(env(map[string]string{key: bad})); err == nil || !strings.HasPrefix(err.Error(), key+":") {
				t.Errorf("%s=%s: error %v, want one naming the variable", key, bad, err)
			}
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7 ,2001:db8::/32,::ffff:172.16.0.0/108,fd00::1"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Limits.TrustedProxies {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 192.168.1.7/32 2001:db8::/32 172.16.0.0/12 fd00::1/128"; strings.Join(got, " ") != want {
		t.Fatalf("TRUSTED_PROXIES parsed as %v, want %s", got, want)
	}
	if c, _ := Load(env(nil)); len(c.Limits.TrustedProxies) != 0 {
		t.Fatalf("trusted proxies by default: %v", c.Limits.TrustedProxies)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.1:80", "fe80::1%eth0"} {
		if _, err := Load(env(map[string]string{"TRUSTED_PROXIES": bad})); err == nil || !strings.HasPrefix(err.Error(), "TRUSTED_PROXIES:") {
			t.Errorf("TRUSTED_PROXIES=%s: error %v", bad, err)
		}
	}
}

func TestAllowedOrigins(t *testing.T) {
	c, err := Load(env(map[string]string{"ALLOWED_ORIGINS": "https://App.Example.com, http://localhost:3000/,http://[::1]:8080"}))
	if err != nil || strings.Join(c.Limits.AllowedOrigins, " ") != "https://app.example.com http://localhost:3000 http://[::1]:8080" {
		t.Fatalf("ALLOWED_ORIGINS: %q, %v", c.Limits.AllowedOrigins, err)
	}
	if c, err := Load(env(map[string]string{"ALLOWED_ORIGINS": "*"})); err != nil || strings.Join(c.Limits.AllowedOrigins, "") != "*" {
		t.Fatalf("ALLOWED_ORIGINS=*: %q, %v", c.Limits.AllowedOrigins, err)
	}
	for _, bad := range []string{"app.example.com", "https://app.example.com/path", "ftp://x.example", "https://*.example.com",
		"https://user@x.example", "https://x.example?q=1", "https://x.example:0", "https://x.example:99999", "*,https://x.example", "https://"} {
		if _, err := Load(env(map[string]string{"ALLOWED_ORIGINS": bad})); err == nil || !strings.HasPrefix(err.Error(), "ALLOWED_ORIGINS:") {
			t.Errorf("ALLOWED_ORIGINS=%s: error %v", bad, err)
		}
	}
}

func TestAuditRetention(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 365 * 24 * time.Hour, "720h": 30 * 24 * time.Hour, "24h": 24 * time.Hour,
		"0": 0, "off": 0, "OFF": 0} {
		c, err := Load(env(map[string]string{"AUDIT_RETENTION": v}))
		if err != nil || c.AuditRetention != want {
			t.Errorf("AUDIT_RETENTION=%q: %s, %v; want %s", v, c.AuditRetention, err, want)
		}
	}
	for _, bad := range []string{"365d", "forever", "-1h", "23h59m", "1s"} {
		_, err := Load(env(map[string]string{"AUDIT_RETENTION": bad}))
		if err == nil || !strings.HasPrefix(err.Error(), "AUDIT_RETENTION must be") || strings.Contains(err.Error(), "\n") {
			t.Errorf("AUDIT_RETENTION=%s: error %v, want one line naming the variable", bad, err)
		}
	}
}
