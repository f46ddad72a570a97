// Package app wires supportd's parts together from a Config. run uses it to serve,
// and the integration tests use it to drive the real handler.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/blobstore"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/httpapi"
	"github.com/supportd/supportd/internal/live"
	"github.com/supportd/supportd/internal/metrics"
	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/ratelimit"
	"github.com/supportd/supportd/internal/relay"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/telemetry"
	"github.com/supportd/supportd/internal/webhook/delivery"
)

// App is a wired supportd instance.
type App struct {
	Config    config.Config
	Log       *slog.Logger
	DB        *store.DB
	Auth      *support.AuthService
	Tickets   *support.TicketService
	KB        *support.KBService
	Feedback  *support.FeedbackService
	Audit     *support.Auditor
	Export    *support.Exporter
	Assistant *support.Assistant
	Webhooks  *support.WebhookService
	Server    *httpapi.Server
	Limiter   *ratelimit.Limiter // request rate limits; Fallbacks counts requests limited locally in a Redis outage
	redis     io.Closer          // nil without REDIS_URL
	Metrics   *metrics.Metrics   // nil without METRICS_ADDR; Serve serves it there (metrics.go)
	tracing   *telemetry.Tracing // nil when Options.Tracer was given

	// The reaper and the audit pruner (Start): Close stops them and waits for
	// them before closing the database.
	stopReaper context.CancelFunc
	reaperDone chan struct{}
	stopPruner context.CancelFunc
	prunerDone chan struct{}
	// The idempotency keys' pruner (idempotency.go), likewise.
	stopIdempotencyPruner context.CancelFunc
	idempotencyPrunerDone chan struct{}
	// Live notifications (live.go): the hub and its listener.
	Live         *live.Hub
	stopLive     context.CancelFunc
	liveDone     chan struct{}
	feedNotifier chan struct{} // this instance committed events: NOTIFY the others
	// Attachments' bucket and its sweeper (attachments.go).
	blobs       *blob.Bucket
	stopSweeper context.CancelFunc
	sweeperDone chan struct{}
	now         func() time.Time
	// Webhook delivery (webhooks.go): started by Start, stopped by Close.
	delivery        *delivery.Service
	deliveryStarted bool
}

// Options tune wiring for tests; the zero value is production behaviour.
type Options struct {
	Version     string
	Now         func() time.Time // clock; default time.Now
	Argon2      *auth.Argon2Params
	SkipMigrate bool
	KeepAlive   time.Duration // reply-stream keep-alive period; default 15s
	// RateLimitPrefix namespaces the rate limits' Redis keys; default
	// ratelimit.DefaultPrefix. Tests sharing one Redis keep apart with it.
	// The failed-login counts go under it too (RateLimitPrefix+"login:";
	// default relay.DefaultLoginFailuresPrefix).
	RateLimitPrefix string
	// ReplyHeartbeat is how often the reaper marks this instance's AI replies
	// alive; replies silent for three periods are failed. Default 5s.
	ReplyHeartbeat time.Duration
	// Tracer receives the spans instead of the provider OTEL_EXPORTER_OTLP_ENDPOINT
	// configures; tests record them with it.
	Tracer trace.TracerProvider
	// Resolver looks up webhook endpoints' hosts; default net.DefaultResolver.
	// Tests pass a stub, so no lookup leaves the machine.
	Resolver netguard.Resolver
	// WebhookPoll and WebhookRetryBase shorten webhook delivery's waits in
	// tests (delivery.Options); zero: the defaults.
	WebhookPoll, WebhookRetryBase time.Duration
}

// New opens the database, migrates it and builds the services and the HTTP handler.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := signingKey(cfg, log)
	if err != nil {
		return nil, err
	}
	analyzer, analyzerID, err := kbAnalyzer(cfg.KBSynonymsFile)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.WithAnalyzer(analyzer, analyzerID))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a := &App{Config: cfg, Log: log, DB: db, now: opts.Now}
	tracer, err := a.newTracer(ctx, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	if !opts.SkipMigrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		if err := reindexKB(ctx, db, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	params := auth.DefaultArgon2
	if opts.Argon2 != nil {
		params = *opts.Argon2
	}
	hasher, err := auth.NewBoundedHasher(params, cfg.MaxHashes, cfg.Limits.Login.HashQueue)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Audit = support.NewAuditor(db, log, opts.Now)
	a.Export = support.NewExporter(db, opts.Now)
	a.KB = support.NewKBService(db, log, opts.Now, newID, a.Audit, analyzer)
	// Groups unanswered questions by plain words until the multilingual analyzer is wired here.
	a.Feedback = support.NewFeedbackService(db, questionTerms(analyzer), log, opts.Now)
	if cfg.KBSeedSample && !opts.SkipMigrate {
		if err := seedSample(ctx, db, a.KB, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	var retriever support.Retriever = a.KB
	tokens := auth.NewTokens([]byte(key), cfg.TokenIssuer, cfg.TokenTTL, opts.Now)
	if a.blobs, err = openBlobs(ctx, a); err != nil {
		db.Close()
		return nil, err
	}
	a.Tickets = support.NewTicketService(db, log, opts.Now, newID, support.ThreadLimits{
		MaxMessages: cfg.Tickets.MaxMessages, RecentMessages: cfg.Tickets.RecentMessages}).
		WithAttachments(blobstore.Store{Bucket: a.blobs}, db, support.AttachmentLimits{MaxSize: cfg.Attachments.MaxSize,
			MaxFiles: cfg.Attachments.MaxFiles, Quota: cfg.Attachments.Quota})
	if cfg.Metrics.Addr != "" {
		a.Metrics = metrics.New(opts.Version)
	}
	gen, providers := newGenerator(cfg.AI, analyzer, log, a.Metrics, tracer)
	if len(providers) == 1 && providers[0] == "builtin" {
		log.Info("AI assistant: no GROQ_API_KEY, so the built-in responder answers from the knowledge base (no network)")
	} else {
		log.Info("AI assistant", "providers", providers, "groq_model", cfg.AI.GroqModel)
	}
	var (
		replyRelay support.ReplyRelay
		slots      support.StreamSlots
		failures   support.FailureCounter // failed-login counts; nil: per instance
		limits     = ratelimit.Options{Now: opts.Now, Log: log, Prefix: opts.RateLimitPrefix, Timeout: cfg.RedisTimeout}
	)
	if cfg.RedisURL != "" {
		rdb, err := relay.Dial(ctx, cfg.RedisURL)
		if err != nil {
			db.Close()
			return nil, err
		}
		a.redis, replyRelay, slots = rdb, relay.New(rdb, relayTTL), relay.NewSlots(rdb)
		failures = relay.NewLoginFailures(rdb, loginFailuresPrefix(opts.RateLimitPrefix))
		limits.Redis = rdb // request rate limits hold across instances
		log.Info("AI replies and stream limits are shared between instances through Redis")
	}
	a.Auth = support.NewAuthService(db, hasher, tokens, log, opts.Now, newID, cfg.AuthCacheTTL,
		support.SessionLifetimes{Idle: cfg.RefreshTokenTTL, Max: cfg.SessionMaxAge},
		support.LoginProtection{Config: loginGuardConfig(cfg.Limits.Login, cfg.RedisTimeout), Failures: failures, Metrics: a.Metrics}, a.Audit)
	a.Auth.EraseFilesWith(db)
	a.Assistant = support.NewAssistant(assistantConfig(cfg, opts.ReplyHeartbeat), support.AssistantDeps{Tickets: a.Tickets,
		Replies: db, KB: retriever, Gen: gen, Decline: newDecliner(cfg.AI, analyzer), Relay: replyRelay, Slots: slots, Log: log, Now: opts.Now, NewID: newID,
		Metrics: a.Metrics, Tracer: tracer})
	a.Limiter = ratelimit.New(limits)
	if a.Webhooks, err = newWebhooks(a, key, opts); err != nil {
		db.Close()
		return nil, err
	}
	liveAccess := newLive(a)
	a.watchMetrics(gen, providers)
	rl := cfg.Limits.Rate
	log.Info("request rate limits", "user", rl.User.String(), "ip", rl.IP.String(), "signup", rl.Signup.String(),
		"login", rl.Login.String(), "write", rl.Write.String(), "shared_through_redis", a.Limiter.Shared(),
		"trusted_proxies", len(cfg.Limits.TrustedProxies), "cors_origins", cfg.Limits.AllowedOrigins)
	a.Server = httpapi.New(httpapi.Deps{Log: log, Auth: a.Auth, Tickets: a.Tickets, KB: a.KB, Audit: a.Audit, Export: a.Export, Assistant: a.Assistant, Webhooks: a.Webhooks, DB: db,
		Version: opts.Version, PublicURL: cfg.PublicURL, TokenTTL: cfg.TokenTTL, KeepAlive: opts.KeepAlive,
		Limiter: a.Limiter, RateLimits: httpapi.RateLimits(cfg.Limits.Rate), TrustedProxies: cfg.Limits.TrustedProxies,
		AllowedOrigins: cfg.Limits.AllowedOrigins, Metrics: a.httpMetrics(), StreamHandoff: cfg.Stream.Handoff,
		Tracer: tracer, Live: httpapi.LiveDeps{Hub: a.Live, Access: liveAccess},
		Feedback:    a.Feedback,
		Idempotency: newIdempotency(db, log, opts.Now)})
	return a, nil
}

// Close lets running AI generations store their outcome and the reply streams
// relaying them finish (for up to the shutdown period), stops the reaper and
// the audit pruner and waits for them, then releases the database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownPeriod)
	defer cancel()
	done := make(chan struct{})
	go func() { a.Assistant.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		a.Log.Warn("AI generations still running at shutdown; they will be marked failed on the next start")
	}
	a.stopReaperAndWait() // its heartbeat kept those generations alive until now
	stopAndWait(a.stopPruner, a.prunerDone)
	stopAndWait(a.stopIdempotencyPruner, a.idempotencyPrunerDone)
	stopAndWait(a.stopLive, a.liveDone) // ends the live streams
	a.stopDelivery(ctx)
	stopAndWait(a.stopSweeper, a.sweeperDone)
	a.Server.Drain(ctx)
	if a.redis != nil {
		a.redis.Close()
	}
	if err := a.tracing.Shutdown(ctx); err != nil {
		a.Log.Warn("exporting the last spans failed", "err", err)
	}
	_ = a.blobs.Close() // nothing buffered: every write was closed by its request
	return a.DB.Close()
}

// newTracer returns opts.Tracer, or the provider the configuration asks for.
func (a *App) newTracer(ctx context.Context, opts Options) (trace.TracerProvider, error) {
	if opts.Tracer != nil {
		return opts.Tracer, nil
	}
	t, err := telemetry.New(ctx, a.Config.Tracing, opts.Version)
	if err != nil {
		return nil, err
	}
	a.tracing = t
	if ep := a.Config.Tracing.Endpoint; ep != "" {
		a.Log.Info("tracing: spans are exported over OTLP", "endpoint", ep, "service", a.Config.Tracing.ServiceName)
	} else {
		a.Log.Info("tracing: no OTEL_EXPORTER_OTLP_ENDPOINT, so spans are not exported (trace ids are still logged)")
	}
	return t.Provider(), nil
}

// loginFailuresPrefix namespaces the failed-login counts in Redis: with the
// rate limits' prefix when one is set, so tests sharing a Redis keep apart.
func loginFailuresPrefix(rateLimitPrefix string) string {
	if rateLimitPrefix == "" {
		return relay.DefaultLoginFailuresPrefix
	}
	return rateLimitPrefix + "login:"
}

// loginGuardConfig is the login protection's part of the configuration.
func loginGuardConfig(l config.LoginLimits, redisTimeout time.Duration) support.LoginGuardConfig {
	return support.LoginGuardConfig{MaxFailures: l.MaxFailures, MaxFailuresPerIP: l.MaxFailuresPerIP,
		Window: l.FailureWindow, LockoutBase: l.LockoutBase, LockoutMax: l.LockoutMax, SharedTimeout: redisTimeout}
}

// relayTTL is how long a reply's shared log outlives its last event: it is read
// only while the reply streams (at most AI_TOTAL_TIMEOUT), then the database has it.
const relayTTL = 10 * time.Minute

// newID returns a time-ordered UUIDv7, which keeps B-tree inserts local.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func signingKey(cfg config.Config, log *slog.Logger) (string, error) {
	if cfg.SecretKey == config.ExampleSecretKey {
		// config.Load refuses it too; this holds for a Config built by hand.
		return "", errors.New("SECRET_KEY is the public placeholder from .env.example; generate one with: openssl rand -hex 32")
	}
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	if !cfg.Dev() {
		return "", errors.New("SECRET_KEY is required in production")
	}
	key, created, err := config.DevSecret(cfg.DataDir)
	if err != nil {
		return "", err
	}
	if created {
		log.Warn("no SECRET_KEY set: generated a development key in the data directory; set SECRET_KEY in production", "data_dir", cfg.DataDir)
	}
	return key, nil
}
