// Package logging builds supportd's slog logger, which stamps every record logged with a
// request's context with that request's id and user, and every record logged inside a
// span with its trace id.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// New returns a logger writing format ("text" or "json") at level to w.
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("LOG_LEVEL %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: readableDuration}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("LOG_FORMAT must be text or json, not %q", format)
	}
	return slog.New(contextHandler{h}), nil
}

// readableDuration writes durations as text ("10s"): slog's JSON handler would
// write nanoseconds (10000000000).
func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}

// Fields are per-request values (request id, client address, user) added to every
// record logged with the request's context.
// UserID is set once authentication succeeds, after the record's context was created,
// hence the atomic.
type Fields struct {
	RequestID string
	ClientIP  string // the client's address: the direct peer, or a trusted proxy's forwarded client
	userID    atomic.Pointer[string]
}

// SetUserID records the authenticated user.
func (f *Fields) SetUserID(id string) { f.userID.Store(&id) }

// UserID returns the authenticated user, or "".
func (f *Fields) UserID() string {
	if p := f.userID.Load(); p != nil {
		return *p
	}
	return ""
}

type fieldsKey struct{}

// WithFields returns ctx carrying f.
func WithFields(ctx context.Context, f *Fields) context.Context {
	return context.WithValue(ctx, fieldsKey{}, f)
}

// FieldsFrom returns the request fields in ctx, or nil.
func FieldsFrom(ctx context.Context) *Fields {
	f, _ := ctx.Value(fieldsKey{}).(*Fields)
	return f
}

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if f := FieldsFrom(ctx); f != nil {
		r.AddAttrs(slog.String("request_id", f.RequestID))
		if f.ClientIP != "" {
			r.AddAttrs(slog.String("client", f.ClientIP))
		}
		if uid := f.UserID(); uid != "" {
			r.AddAttrs(slog.String("user_id", uid))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
