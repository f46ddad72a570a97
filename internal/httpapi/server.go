// Package httpapi is supportd's HTTP layer: routes, request and response schemas,
// middleware, and the one table that turns domain errors into HTTP statuses.
package httpapi

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportd/supportd/internal/idempotency"
	"github.com/supportd/supportd/internal/support"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the services the HTTP layer calls.
type Deps struct {
	Log       *slog.Logger
	Auth      *support.AuthService
	Tickets   *support.TicketService
	KB        *support.KBService
	Audit     *support.Auditor
	Export    *support.Exporter
	Assistant *support.Assistant
	Webhooks  *support.WebhookService
	Feedback  *support.FeedbackService
	DB        Pinger
	Version   string
	PublicURL string // base for absolute links; empty: relative links (never from the request's Host)
	TokenTTL  time.Duration
	KeepAlive time.Duration // longest silence on a reply stream; default 15s
	// StreamHandoff writes HTTP/1.1 reply streams on the hijacked connection
	// (sse_handoff.go) instead of through the ResponseWriter; opt-in.
	StreamHandoff bool

	Limiter        RateLimiter          // nil: no request rate limits
	RateLimits     RateLimits           // the buckets Limiter applies (ratelimit.go)
	TrustedProxies []netip.Prefix       // peers whose X-Forwarded-For/Forwarded names the client (clientip.go)
	AllowedOrigins []string             // CORS allow-list (cors.go); empty: no CORS
	Metrics        HTTPMetrics          // nil: no request metrics (metrics.go)
	Tracer         trace.TracerProvider // nil: no spans (instrument.go)
	Live           LiveDeps             // live notifications (live_handlers.go); zero: none
	Idempotency    *idempotency.Keeper  // Idempotency-Key on the POSTs that create (idempotency.go); nil: ignored
}

// tracerName names the spans' instrumentation scope.
const tracerName = "github.com/supportd/supportd/internal/httpapi"

// Server is supportd's HTTP handler.
type Server struct {
	deps    Deps
	log     *slog.Logger
	api     huma.API
	mux     *http.ServeMux
	handler http.Handler

	tracer     trace.Tracer
	propagator propagation.TextMapPropagator // reads the caller's traceparent

	// Reply streams handed off from net/http (sse_handoff.go, STREAM_HANDOFF).
	pumps     sync.WaitGroup
	pumpsCtx  context.Context
	stopPumps context.CancelFunc
}

// New builds the handler with every route and middleware.
func New(deps Deps) *Server {
	if deps.KeepAlive <= 0 {
		deps.KeepAlive = 15 * time.Second // below common proxy idle timeouts (30-60s)
	}
	if deps.Tracer == nil {
		deps.Tracer = noop.NewTracerProvider()
	}
	s := &Server{deps: deps, log: deps.Log, mux: http.NewServeMux(),
		tracer: deps.Tracer.Tracer(tracerName), propagator: propagation.TraceContext{}}
	s.pumpsCtx, s.stopPumps = context.WithCancel(context.Background())
	s.api = humago.New(s.mux, apiConfig(deps.Version, deps.PublicURL))
	s.api.UseMiddleware(s.authenticate)
	s.api.UseMiddleware(s.formsOnlyForLogin)
	s.routes()
	s.liveRoutes()
	documentMultipartMessages(s.api.OpenAPI())
	finishDocument(s.api.OpenAPI())
	// instrument finds the client IP the rate limiter keys on; CORS wraps the rate
	// limiter so a 429 carries CORS headers (cors.go).
	s.handler = s.instrument(s.recoverPanics(securityHeaders(s.withCORS(s.rateLimit, s.idempotent(s.withMultipartMessages(s.unmatched(s.mux)))))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

func apiConfig(version, publicURL string) huma.Config {
	cfg := huma.DefaultConfig("supportd", version)
	cfg.Info.Description = "Customer-support backend with an AI assistant. " +
		"Sign up, log in (the Authorize button takes the same email and password), then open tickets."
	cfg.Servers = servers(publicURL)
	cfg.Tags = apiTags()
	cfg.DocsPath = ""                             // huma's docs page loads assets from a CDN; ours are embedded
	cfg.CreateHooks = nil                         // no $schema field or schema Link header in responses
	cfg.SchemasPath = ""                          // schemas are inlined in /openapi.json
	cfg.Formats = maps.Clone(huma.DefaultFormats) // DefaultFormats is shared package state
	cfg.Formats["application/x-www-form-urlencoded"] = formFormat
	cfg.Formats["x-www-form-urlencoded"] = formFormat
	cfg.Transformers = append(cfg.Transformers, explainUnsupportedMediaType, boundErrors)
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
		"streamToken": {Type: "apiKey", In: "query", Name: "stream_token",
			Description: "Single-use token from POST /tickets/{id}/ai-response/token, for EventSource"},
		"liveToken": {Type: "apiKey", In: "query", Name: "token",
			Description: "Single-use token from POST /events/token, to open /ws or /events from a browser"},
		"oauth2": {Type: "oauth2", Flows: &huma.OAuthFlows{Password: &huma.OAuthFlow{TokenURL: publicURL + "/auth/login", Scopes: map[string]string{}}}},
	}
	return cfg
}

// explainUnsupportedMediaType replaces huma's generic "validation failed" on a 415
// with what the client must change.
func explainUnsupportedMediaType(_ huma.Context, status string, v any) (any, error) {
	if em, ok := v.(*huma.ErrorModel); ok && status == "415" {
		em.Detail = unsupportedMediaType
	}
	return v, nil
}
