// Package config reads supportd's settings from the environment and an optional .env file.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ExampleSecretKey is the placeholder once shipped in .env.example. It is public,
// so it is refused in every mode.
const ExampleSecretKey = "change-me-to-a-random-string-of-at-least-32-bytes"

// MinSecretKeyBytes is the HS256 key size floor (RFC 7518 §3.2).
const MinSecretKeyBytes = 32

// Config is every setting supportd reads. Secrets are masked by String.
type Config struct {
	Env         string // "development" or "production"
	Host        string
	Port        int
	PublicURL   string // base for absolute links; empty: links are relative
	DataDir     string
	DatabaseURL string // normalised: postgres://... or sqlite://path
	RedisURL    string // optional: shares in-progress AI replies between instances
	// RedisTimeout bounds each call a request makes to Redis; past it the request
	// goes on without Redis (limits and counts per instance, replies from the database).
	RedisTimeout    time.Duration
	SecretKey       string // empty in development means: generate and keep in DataDir
	TokenTTL        time.Duration
	TokenIssuer     string
	AuthCacheTTL    time.Duration // how long a token's user is trusted without a lookup
	RefreshTokenTTL time.Duration // how long a login session lives unused
	SessionMaxAge   time.Duration // how long a login session lives at most
	LogLevel        string
	LogFormat       string // "text" or "json"
	MaxHashes       int    // password hashes computed at once
	ShutdownPeriod  time.Duration
	WriteTimeout    time.Duration // per response; reply streams push their own deadline forward
	KBSeedSample    bool          // import the sample knowledge base into an empty one at start-up
	KBSynonymsFile  string        // the operator's synonym list, extending the built-in one ("" = none)
	AuditRetention  time.Duration // how long audit entries are kept; 0: forever
	// AdminEmail and AdminPassword create the first admin at start-up while no
	// active admin exists; ignored afterwards.
	AdminEmail, AdminPassword string

	AI      AIConfig
	Limits  LimitsConfig  // rate limits, trusted proxies, CORS, login protection (limits.go)
	Tickets TicketsConfig // thread size caps (tickets.go)
	Metrics MetricsConfig // Prometheus endpoint (metrics.go)
	Stream  StreamConfig  // how reply streams are written (stream.go)
	Tracing TracingConfig // OpenTelemetry export (tracing.go)
	// Webhooks: which private addresses endpoints may have (webhooks.go)
	Webhooks WebhooksConfig
	// Attachments: where files are kept and their limits (attachments.go)
	Attachments AttachmentsConfig
}

// Dev reports whether supportd runs in development mode.
func (c Config) Dev() bool { return c.Env == "development" }

// Load reads the configuration through getenv, which already merges the process
// environment with .env (see Getenv). It validates everything it reads.
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		Env:             r.str("SUPPORTD_ENV", "development"),
		Host:            r.str("HOST", ""),
		Port:            r.int("PORT", 8000),
		PublicURL:       strings.TrimRight(r.str("PUBLIC_URL", ""), "/"),
		DataDir:         r.str("DATA_DIR", "data"),
		SecretKey:       getenv("SECRET_KEY"),
		AdminEmail:      r.str("ADMIN_EMAIL", ""),
		AdminPassword:   getenv("ADMIN_PASSWORD"),
		TokenTTL:        time.Duration(r.int("ACCESS_TOKEN_EXPIRE_MINUTES", 15)) * time.Minute,
		TokenIssuer:     r.str("TOKEN_ISSUER", "supportd"),
		RedisURL:        r.str("REDIS_URL", ""),
		RedisTimeout:    r.duration("REDIS_TIMEOUT", 250*time.Millisecond),
		AuthCacheTTL:    r.duration("AUTH_CACHE_TTL", 0),
		RefreshTokenTTL: r.duration("REFRESH_TOKEN_TTL", 30*24*time.Hour),
		SessionMaxAge:   r.duration("SESSION_MAX_AGE", 90*24*time.Hour),
		LogLevel:        r.str("LOG_LEVEL", "info"),
		MaxHashes:       r.int("PASSWORD_HASH_CONCURRENCY", 4),
		ShutdownPeriod:  r.duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		WriteTimeout:    r.duration("HTTP_WRITE_TIMEOUT", 30*time.Second),
		AuditRetention:  r.durationOrOff("AUDIT_RETENTION", 365*24*time.Hour),
		AI:              loadAI(&r),
		Limits:          loadLimits(&r),
		Tickets:         loadTickets(&r),
		Metrics:         loadMetrics(&r),
		Stream:          loadStream(&r),
		Tracing:         loadTracing(&r),
		Webhooks:        loadWebhooks(&r),
		Attachments:     loadAttachments(&r),
	}
	c.LogFormat = r.str("LOG_FORMAT", map[bool]string{true: "text", false: "json"}[c.Env == "development"])
	c.KBSeedSample = r.bool("KB_SEED_SAMPLE", c.Dev()) // a demo out of the box; never unasked in production
	c.KBSynonymsFile = r.str("KB_SYNONYMS_FILE", "")
	c.DatabaseURL = r.databaseURL(c.DataDir)
	if r.err != nil {
		return Config{}, r.err
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("SUPPORTD_ENV must be development or production, not %q", c.Env))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be between 1 and 65535, not %d", c.Port))
	}
	errs = append(errs, c.validateSecret())
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("ADMIN_EMAIL and ADMIN_PASSWORD go together: set both to create the first admin, or neither"))
	}
	if c.TokenTTL <= 0 {
		errs = append(errs, errors.New("ACCESS_TOKEN_EXPIRE_MINUTES must be positive"))
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			errs = append(errs, fmt.Errorf("REDIS_URL must be a redis://, rediss:// or unix:// URL, not %q", redactURL(c.RedisURL)))
		}
	}
	if c.RefreshTokenTTL < time.Minute || c.RefreshTokenTTL > 365*24*time.Hour {
		errs = append(errs, fmt.Errorf("REFRESH_TOKEN_TTL must be between 1m and 8760h, not %s", c.RefreshTokenTTL))
	}
	if c.SessionMaxAge < c.RefreshTokenTTL {
		errs = append(errs, fmt.Errorf("SESSION_MAX_AGE (%s) must be at least REFRESH_TOKEN_TTL (%s)", c.SessionMaxAge, c.RefreshTokenTTL))
	}
	if c.RedisTimeout < 10*time.Millisecond || c.RedisTimeout > 30*time.Second {
		errs = append(errs, fmt.Errorf("REDIS_TIMEOUT must be between 10ms and 30s, not %s", c.RedisTimeout))
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheTTL > time.Minute {
		errs = append(errs, fmt.Errorf("AUTH_CACHE_TTL must be between 0 and 1m, not %s", c.AuthCacheTTL))
	}
	// Under a day is far more likely a mistake (hours meant as days) than a wish
	// to keep security records for hours.
	if c.AuditRetention != 0 && c.AuditRetention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("AUDIT_RETENTION must be off, 0 or at least 24h, not %s", c.AuditRetention))
	}
	if c.MaxHashes < 1 {
		errs = append(errs, errors.New("PASSWORD_HASH_CONCURRENCY must be at least 1"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT must be text or json, not %q", c.LogFormat))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("PUBLIC_URL must be an absolute http(s) URL, not %q", c.PublicURL))
		}
	}
	errs = append(errs, c.AI.validate(), c.Limits.validate(), c.Tickets.validate(), c.Metrics.validate(),
		c.Tracing.validate())
	return errors.Join(errs...)
}

func (c Config) validateSecret() error {
	switch {
	case c.SecretKey == "" && !c.Dev():
		return errors.New("SECRET_KEY is required in production (32 or more random bytes: openssl rand -hex 32)")
	case c.SecretKey == "":
		return nil // generated in the data dir
	case c.SecretKey == ExampleSecretKey:
		return errors.New("SECRET_KEY is the public placeholder from .env.example, refused in every mode; generate one with: openssl rand -hex 32")
	case len(c.SecretKey) < MinSecretKeyBytes:
		return fmt.Errorf("SECRET_KEY must be at least %d bytes, got %d", MinSecretKeyBytes, len(c.SecretKey))
	case !c.Dev():
		if why := lowVariety(c.SecretKey); why != "" {
			return fmt.Errorf("SECRET_KEY does not look random (%s); generate one with: openssl rand -hex 32", why)
		}
	}
	return nil
}

// String renders the configuration for the start-up log, secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("env=%s addr=%s:%d database=%s redis=%s data_dir=%s secret_key=%s groq_api_key=%s groq_model=%s admin_password=%s",
		c.Env, c.Host, c.Port, redactURL(c.DatabaseURL), redactURL(c.RedisURL), c.DataDir, mask(c.SecretKey),
		mask(c.AI.GroqAPIKey), c.AI.GroqModel, mask(c.AdminPassword))
}

func mask(s string) string {
	if s == "" {
		return "unset"
	}
	return "set"
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// reader collects the first parse error so Load reads top to bottom.
type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) int(key string, def int) int {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s must be an integer, not %q", key, v)
	}
	return n
}

func (r *reader) bool(key string, def bool) bool {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s must be true or false, not %q", key, v)
	}
	return b
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s must be a duration such as 10s, not %q", key, v)
	}
	return d
}

// durationOrOff is duration, where "off" is 0 (as "0" is).
func (r *reader) durationOrOff(key string, def time.Duration) time.Duration {
	if strings.EqualFold(strings.TrimSpace(r.getenv(key)), "off") {
		return 0
	}
	return r.duration(key, def)
}

// databaseURL picks DATABASE_URL, then POSTGRES_*, then embedded SQLite in dataDir.
func (r *reader) databaseURL(dataDir string) string {
	if raw := strings.TrimSpace(r.getenv("DATABASE_URL")); raw != "" {
		if err := checkDatabaseURL(raw); err != nil && r.err == nil {
			r.err = err
		}
		return raw
	}
	if host := r.str("POSTGRES_SERVER", ""); host != "" {
		u := url.URL{
			Scheme: "postgres",
			User:   url.UserPassword(r.str("POSTGRES_USER", "postgres"), r.getenv("POSTGRES_PASSWORD")),
			Host:   fmt.Sprintf("%s:%s", host, r.str("POSTGRES_PORT", "5432")),
			Path:   "/" + r.str("POSTGRES_DB", "supportd"),
		}
		if r.getenv("POSTGRES_PASSWORD") == "" {
			u.User = url.User(r.str("POSTGRES_USER", "postgres"))
		}
		return u.String()
	}
	return "sqlite://" + filepath.ToSlash(filepath.Join(dataDir, "supportd.db"))
}

func checkDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a valid URL: %v", errors.Unwrap(err))
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		if u.Host == "" {
			return errors.New("DATABASE_URL: postgres URL needs a host")
		}
	case "sqlite":
		if strings.TrimPrefix(raw, "sqlite://") == "" {
			return errors.New("DATABASE_URL: sqlite URL needs a file path, e.g. sqlite:///var/lib/supportd/app.db")
		}
	default:
		return fmt.Errorf("DATABASE_URL: unsupported scheme %q (use postgres:// or sqlite://)", u.Scheme)
	}
	return nil
}

// check records msg as the error unless ok or an earlier error stands.
func (r *reader) check(ok bool, msg string) {
	if !ok && r.err == nil {
		r.err = errors.New(msg)
	}
}
