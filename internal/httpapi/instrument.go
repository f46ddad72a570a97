package httpapi

import (
	"cmp"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/logging"
)

// instrument is the outermost middleware. Each request gets an id (kept from
// X-Request-ID when sane), its client address, and a server span that continues
// the caller's traceparent; once the response is complete, one place writes the
// access-log line, the request metrics and the span's route and status. A
// handed-off reply stream is concluded by the goroutine writing it, when it ends
// (detachedLog, sse_handoff.go).
//
// The route pattern is known only once the mux has matched; unmatched reports it
// back through the recorder, since the request it sees may be a copy.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Metrics != nil {
			s.deps.Metrics.InFlight(1)
		}
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		fields := &logging.Fields{RequestID: id, ClientIP: resolveClientIP(r, s.deps.TrustedProxies)}
		ctx := s.propagator.Extract(logging.WithFields(r.Context(), fields), propagation.HeaderCarrier(r.Header))
		ctx, span := s.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method),
				attribute.String("url.path", r.URL.Path), attribute.String("client.address", fields.ClientIP),
				attribute.String("supportd.request_id", id)))
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w, start: time.Now(), span: span}
		next.ServeHTTP(rec, r)
		if rec.detached {
			return
		}
		route := cmp.Or(rec.route, r.Pattern) // r.Pattern: no middleware copied the request
		if route == "" {                      // answered before the mux (a 429, a CORS preflight), or no route
			_, route = s.mux.Handler(r)
		}
		s.conclude(r, rec, route, rec.code(), rec.bytes)
	})
}

// conclude writes a finished request's log line, metrics and span.
func (s *Server) conclude(r *http.Request, rec *statusRecorder, route string, status int, bytes int64) {
	d := time.Since(rec.start)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", status,
		"duration_ms", float64(d.Microseconds())/1000, "bytes", bytes)
	label := routeLabel(route)
	if m := s.deps.Metrics; m != nil {
		m.ObserveRequest(label, r.Method, status, d, int(bytes))
		m.InFlight(-1)
	}
	if span := rec.span; span.IsRecording() {
		if route != "" {
			span.SetName(r.Method + " " + label)
			span.SetAttributes(attribute.String("http.route", label))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	}
	rec.span.End()
}

// detachedLog is a request's conclusion (log line, metrics, span) taken from
// instrument by a response that goes on after its handler returned (a handed-off
// stream), to be written when that response ends.
type detachedLog struct {
	s   *Server
	r   *http.Request
	rec *statusRecorder // nil: no instrument around the handler
}

// detachLog takes the request's conclusion from instrument, which would otherwise
// write it when the handler returns.
func (s *Server) detachLog(r *http.Request, w http.ResponseWriter) *detachedLog {
	rec := recorderOf(w)
	if rec != nil {
		rec.detached = true
	}
	return &detachedLog{s: s, r: r, rec: rec}
}

// reattach gives the conclusion back to instrument.
func (d *detachedLog) reattach() {
	if d.rec != nil {
		d.rec.detached = false
	}
}

// write concludes the request as a 200 that sent bytes of body and lasted until now.
func (d *detachedLog) write(bytes int64) {
	if d.rec != nil {
		d.s.conclude(d.r, d.rec, d.r.Pattern, http.StatusOK, bytes)
	}
}

// recorderOf finds instrument's recorder under the writers wrapping it.
func recorderOf(w http.ResponseWriter) *statusRecorder {
	for range 16 { // bounded: a writer that unwraps to itself must not hang a request
		switch v := w.(type) {
		case *statusRecorder:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
	return nil
}
