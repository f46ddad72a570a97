package config

import (
	"strings"
	"testing"
)

func TestStreamHandoffIsOptIn(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Stream.Handoff {
		t.Fatalf("default: %+v, %v; want the hand-off off", c.Stream, err)
	}
	c, err = Load(env(map[string]string{"STREAM_HANDOFF": "true"}))
	if err != nil || !c.Stream.Handoff {
		t.Fatalf("STREAM_HANDOFF=true: %+v, %v", c.Stream, err)
	}
	_, err = Load(env(map[string]string{"STREAM_HANDOFF": "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), "STREAM_HANDOFF") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("STREAM_HANDOFF=sometimes: error %v, want one line naming the variable", err)
	}
}
