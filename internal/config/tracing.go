package config

import (
	"fmt"
	"net/url"
	"strings"
)

// TracingConfig is where OpenTelemetry traces go. The names are OpenTelemetry's
// own, so a collector's usual settings work unchanged. Other OTEL_* variables (the
// sampler, timeouts, certificates) are read by the OpenTelemetry SDK itself from
// the process environment.
type TracingConfig struct {
	// Endpoint is the full OTLP/HTTP traces URL (…/v1/traces); empty: spans are
	// created (their trace ids go into the log) but never recorded or exported.
	Endpoint    string
	Headers     map[string]string // sent with every export, e.g. an API key
	ServiceName string
	Protocol    string // only http/protobuf is supported
}

func loadTracing(r *reader) TracingConfig {
	c := TracingConfig{ServiceName: r.str("OTEL_SERVICE_NAME", "supportd")}
	if ep := r.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""); ep != "" {
		c.Endpoint = ep // the signal's own URL, used as it is
	} else if ep := r.str("OTEL_EXPORTER_OTLP_ENDPOINT", ""); ep != "" {
		c.Endpoint = strings.TrimRight(ep, "/") + "/v1/traces"
	}
	headers := r.str("OTEL_EXPORTER_OTLP_TRACES_HEADERS", r.str("OTEL_EXPORTER_OTLP_HEADERS", ""))
	c.Headers, r.err = parseOTLPHeaders(headers, r.err)
	c.Protocol = r.str("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", r.str("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
	return c
}

// parseOTLPHeaders reads "key1=value1,key2=value2" with URL-encoded values (the
// OpenTelemetry specification's format).
func parseOTLPHeaders(s string, prev error) (map[string]string, error) {
	if prev != nil || strings.TrimSpace(s) == "" {
		return nil, prev
	}
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		val, err := url.PathUnescape(strings.TrimSpace(v))
		if !ok || k == "" || err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas")
		}
		out[k] = val
	}
	return out, nil
}

func (c TracingConfig) validate() error {
	if c.Endpoint == "" {
		return nil
	}
	if c.Protocol != "http/protobuf" {
		return fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported: supportd exports OTLP over HTTP "+
			"(http/protobuf, a collector's port 4318)", c.Protocol)
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://otel-collector:4318, not %q",
			redactURL(c.Endpoint))
	}
	return nil
}
