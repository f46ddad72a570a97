package config

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestTracingEndpoint(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Tracing.Endpoint != "" || c.Tracing.ServiceName != "supportd" {
		t.Fatalf("default: %+v, %v; want no exporter, service supportd", c.Tracing, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "http://collector:4318/v1/traces"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com/"}, "https://otlp.example.com/v1/traces"},
		// The signal's own variable is a full URL, used as it is, and wins.
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/custom"},
			"http://b:4318/custom"},
	} {
		c, err := Load(env(tc.env))
		if err != nil || c.Tracing.Endpoint != tc.want {
			t.Errorf("%v: endpoint %q, %v; want %q", tc.env, c.Tracing.Endpoint, err, tc.want)
		}
	}
}

func TestTracingHeadersAndService(t *testing.T) {
	c, err := Load(env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
		"OTEL_EXPORTER_OTLP_HEADERS": "api-key=se%20cret, x-tenant=acme", "OTEL_SERVICE_NAME": "supportd-eu"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api-key": "se cret", "x-tenant": "acme"}
	if !maps.Equal(c.Tracing.Headers, want) || c.Tracing.ServiceName != "supportd-eu" {
		t.Errorf("headers %v service %q, want %v supportd-eu", c.Tracing.Headers, c.Tracing.ServiceName, want)
	}
}

func TestTracingRefusals(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"},
		"OTEL_EXPORTER_OTLP_PROTOCOL": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		"OTEL_EXPORTER_OTLP_HEADERS":  {"OTEL_EXPORTER_OTLP_HEADERS": "no-equals-sign"},
	} {
		_, err := Load(env(e))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want one naming %s", e, err, name)
		}
	}
}

func TestRedisTimeout(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.RedisTimeout != 250*time.Millisecond {
		t.Fatalf("default %s, %v; want 250ms", c.RedisTimeout, err)
	}
	for _, bad := range []string{"1ms", "1m", "soon"} {
		if _, err := Load(env(map[string]string{"REDIS_TIMEOUT": bad})); err == nil || !strings.Contains(err.Error(), "REDIS_TIMEOUT") {
			t.Errorf("REDIS_TIMEOUT=%s: %v", bad, err)
		}
	}
}
