package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
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
