package httpapi

import (
	"net/http"

	"github.com/rs/cors"
)

// CORS lets browsers on the ALLOWED_ORIGINS call the API. Tokens travel in the
// Authorization header, never in cookies, so credentials are never allowed (and so
// never combined with "*").
var (
	corsMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}
	// The request headers the API reads (Accept and Content-Language are always allowed).
	corsHeaders = []string{"Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key", "If-Match", "X-Request-ID"}
	// The response headers scripts may read, beyond the CORS-safelisted ones.
	corsExposed = []string{"Link", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID", "ETag", "Location", "Idempotent-Replayed", "Content-Disposition"}
)

// corsMaxAge is how long, in seconds, a browser may reuse a preflight's answer.
const corsMaxAge = 600

// withCORS puts rs/cors in front of limited(next) when origins are configured.
// Preflights are not answered by rs/cors directly: they pass through limited (the
// rate limiter, so they count against the client's quota and a 429 carries the
// CORS headers a browser needs to read it) and are answered 204 just before next.
// Without origins no CORS header is ever sent and an OPTIONS request is an
// ordinary 405.
func (s *Server) withCORS(limited func(http.Handler) http.Handler, next http.Handler) http.Handler {
	if len(s.deps.AllowedOrigins) == 0 {
		return limited(next)
	}
	c := cors.New(cors.Options{
		AllowedOrigins:     s.deps.AllowedOrigins,
		AllowedMethods:     corsMethods,
		AllowedHeaders:     corsHeaders,
		ExposedHeaders:     corsExposed,
		MaxAge:             corsMaxAge,
		AllowCredentials:   false,
		OptionsPassthrough: true,
	})
	return c.Handler(limited(endPreflight(next)))
}

// endPreflight answers a CORS preflight (rs/cors has set its headers) with 204.
func endPreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
