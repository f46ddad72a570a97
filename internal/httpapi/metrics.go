package httpapi

import (
	"strings"
	"time"
)

// HTTPMetrics records requests (internal/metrics). Deps.Metrics nil: nothing is recorded.
type HTTPMetrics interface {
	InFlight(delta int) // +1 when a request starts, -1 when it ends
	// ObserveRequest records a finished request; route is the pattern without its
	// method, or "unmatched".
	ObserveRequest(route, method string, code int, d time.Duration, bytes int)
	RateLimited(bucket string)
}

// routeLabel turns a mux pattern ("GET /tickets/{id}") into the route label
// ("/tickets/{id}"): the method is a label of its own.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return path
	}
	return pattern
}

// countRateLimited counts a request refused by the named bucket.
func (s *Server) countRateLimited(bucket string) {
	if s.deps.Metrics != nil {
		s.deps.Metrics.RateLimited(bucket)
	}
}
