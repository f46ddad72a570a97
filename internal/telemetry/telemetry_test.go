package telemetry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/supportd/supportd/internal/config"
)

// Without an endpoint, spans carry trace ids (for the log) but are not recorded.
func TestNoEndpointGivesIDsWithoutRecording(t *testing.T) {
	tr, err := New(t.Context(), config.TracingConfig{ServiceName: "supportd"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	_, span := tr.Provider().Tracer("test").Start(t.Context(), "op")
	defer span.End()
	if span.IsRecording() || !span.SpanContext().HasTraceID() {
		t.Errorf("recording %v, trace id %v: want an id and no recording", span.IsRecording(), span.SpanContext().TraceID())
	}
}

// With an endpoint, spans reach the collector over OTLP/HTTP, with the
// configured headers, at the latest when Shutdown flushes them.
func TestSpansAreExportedOverOTLPHTTP(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	cfg := config.TracingConfig{Endpoint: collector.URL + "/v1/traces", ServiceName: "supportd-test",
		Headers: map[string]string{"api-key": "k1"}, Protocol: "http/protobuf"}
	tr, err := New(t.Context(), cfg, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider().Tracer("test").Start(t.Context(), "exported-operation")
	if !span.IsRecording() {
		t.Fatal("span not recorded with an exporter configured")
	}
	span.End()
	if err := tr.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d export requests, want 1", len(got))
	}
	r := got[0]
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" ||
		r.Header.Get("api-key") != "k1" {
		t.Errorf("export: %s %s content-type %q api-key %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("api-key"))
	}
	for _, want := range []string{"exported-operation", "supportd-test", "1.2.3"} {
		if !bytes.Contains(bodies[0], []byte(want)) {
			t.Errorf("exported body lacks %q", want)
		}
	}
}
