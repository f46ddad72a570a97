package embed

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBodyExcerpt(t *testing.T) {
	if got := bodyExcerpt([]byte("  line one\n\tline two ")); got != "line one line two" {
		t.Errorf("got %q", got)
	}
	long := bodyExcerpt([]byte(strings.Repeat("é", maxExcerptRunes+50)))
	if n := utf8.RuneCountInString(long); n != maxExcerptRunes+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("long body: %d runes %q…", n, long[:10])
	}
	if got := bodyExcerpt([]byte(strings.Repeat("x", maxExcerptRunes))); len(got) != maxExcerptRunes {
		t.Errorf("body at the limit was cut: %d", len(got))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":     0,
		"0":    0,
		"-3":   0,
		"12":   12 * time.Second,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSameModel(t *testing.T) {
	tests := []struct {
		asked, got string
		want       bool
	}{
		{"text-embedding-ada-002", "text-embedding-ada-002-v2", true},
		{"nomic-embed-text", "nomic-embed-text:latest", true},
		{"nomic-embed-text:latest", "nomic-embed-text", true},
		{"m", "", true},
		{"bge-small", "bge-smaller", false},
		{"bge-small", "bge", false},
		{"text-embedding-3-small", "text-embedding-3-large", false},
	}
	for _, tt := range tests {
		if got := sameModel(tt.asked, tt.got); got != tt.want {
			t.Errorf("sameModel(%q, %q) = %v", tt.asked, tt.got, got)
		}
	}
}
