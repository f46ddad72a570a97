// Package telemetry sets up OpenTelemetry tracing. With an OTLP endpoint
// configured, spans are sampled (the SDK's OTEL_TRACES_SAMPLER, parent-based by
// default), batched and exported over OTLP/HTTP. Without one, spans still get
// trace ids, which the log writes beside the request id and which continue a
// caller's traceparent, but none is ever recorded: that costs an id and a small
// allocation per span, nothing more.
package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/config"
)

// Tracing owns the tracer provider; Shutdown flushes what is still batched.
type Tracing struct {
	sdk *sdktrace.TracerProvider
}

// Provider is where supportd's tracers come from.
func (t *Tracing) Provider() trace.TracerProvider { return t.sdk }

// Propagator reads and writes W3C traceparent/tracestate and baggage headers.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// New returns the tracer provider for cfg. It does not contact the collector: the
// exporter connects when it first sends a batch, and logs through OpenTelemetry's
// error handler if that fails.
func New(ctx context.Context, cfg config.TracingConfig, version string) (*Tracing, error) {
	if cfg.Endpoint == "" {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
		return &Tracing{sdk: tp}, nil
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(cfg.Endpoint)}
	if len(cfg.Headers) > 0 {
		opts = append(opts, otlptracehttp.WithHeaders(cfg.Headers))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res := resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(cfg.ServiceName), semconv.ServiceVersion(version))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{sdk: tp}, nil
}

// Shutdown exports the spans still batched and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}
