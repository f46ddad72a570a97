package config

import (
	"strings"
	"testing"
)

func TestAIReplyCaps(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.AI.MaxReplyBytes != 16<<10 || c.AI.RepliesPerHourGlobal != 1000 {
		t.Fatalf("defaults: max reply %d bytes, global %d per hour, %v; want 16384 and 1000", c.AI.MaxReplyBytes, c.AI.RepliesPerHourGlobal, err)
	}
	// The reply cap follows AI_MAX_TOKENS within [4 KiB, 64 KiB] unless set.
	for tokens, want := range map[string]int{"100": 4 << 10, "2048": 32 << 10, "100000": 64 << 10} {
		if c, err := Load(env(map[string]string{"AI_MAX_TOKENS": tokens})); err != nil || c.AI.MaxReplyBytes != want {
			t.Errorf("AI_MAX_TOKENS=%s: max reply %d bytes, %v; want %d", tokens, c.AI.MaxReplyBytes, err, want)
		}
	}
	c, err = Load(env(map[string]string{"AI_MAX_REPLY_BYTES": "2048", "AI_REPLIES_PER_HOUR_GLOBAL": "0"}))
	if err != nil || c.AI.MaxReplyBytes != 2048 || c.AI.RepliesPerHourGlobal != 0 {
		t.Fatalf("explicit values: %d, %d, %v", c.AI.MaxReplyBytes, c.AI.RepliesPerHourGlobal, err)
	}
	for name, bads := range map[string][]string{
		"AI_MAX_REPLY_BYTES":         {"0", "-1", "100", "2000000", "16KiB"},
		"AI_REPLIES_PER_HOUR_GLOBAL": {"-1", "many"},
	} {
		for _, bad := range bads {
			_, err := Load(env(map[string]string{name: bad}))
			if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s=%s: error %v, want one line naming the variable", name, bad, err)
			}
		}
	}
}
