package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

func TestRecordsCarryRequestFields(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	f := &Fields{RequestID: "req-1", ClientIP: "203.0.113.7"}
	ctx := WithFields(context.Background(), f)
	f.SetUserID("user-9")
	log.With("component", "test").InfoContext(ctx, "hello")
	log.DebugContext(ctx, "dropped below the level")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("one JSON record expected: %q", buf.String())
	}
	if rec["request_id"] != "req-1" || rec["user_id"] != "user-9" || rec["client"] != "203.0.113.7" || rec["component"] != "test" {
		t.Fatalf("record %v", rec)
	}
	if _, err := New(&buf, "xml", "info"); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := New(&buf, "text", "loud"); err == nil {
		t.Error("unknown level accepted")
	}
}

// Durations are logged as text in both formats, never as nanoseconds.
func TestDurationsAreReadable(t *testing.T) {
	for format, want := range map[string]string{"json": `"grace":"10s"`, "text": `grace=10s`} {
		var buf bytes.Buffer
		log, err := New(&buf, format, "info")
		if err != nil {
			t.Fatal(err)
		}
		log.Info("shutting down", "grace", 10*time.Second)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%s: %q, want %s", format, buf.String(), want)
		}
	}
}

// A record logged inside a span carries its trace id; one outside any span has none.
func TestRecordsCarryTraceID(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	traceID := trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: trace.SpanID{1}})
	log.InfoContext(trace.ContextWithSpanContext(context.Background(), sc), "inside")
	log.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 records, got %q", buf.String())
	}
	if !strings.Contains(lines[0], `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Errorf("record inside a span: %s", lines[0])
	}
	if strings.Contains(lines[1], "trace_id") {
		t.Errorf("record outside any span: %s", lines[1])
	}
}
