package ratelimit

import (
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	good := map[string]Limit{
		"300/1m":   {Count: 300, Period: time.Minute},
		"20/h":     {Count: 20, Period: time.Hour},
		"20/1h":    {Count: 20, Period: time.Hour},
		" 5 / 90s": {Count: 5, Period: 90 * time.Second},
		"100/2d":   {Count: 100, Period: 48 * time.Hour},
		"1/s":      {Count: 1, Period: time.Second},
		"OFF":      {},
		"off":      {},
	}
	for in, want := range good {
		want.Name = "user"
		got, err := ParseLimit("user", in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "300", "0/1m", "-1/1m", "x/1m", "300/", "300/1x", "300/500ms", "300/8d", "1.5/1m", "300/1m/2"} {
		if l, err := ParseLimit("user", in); err == nil {
			t.Errorf("ParseLimit(%q) = %+v, want an error", in, l)
		}
	}
}

func TestLimitString(t *testing.T) {
	for l, want := range map[Limit]string{
		{Count: 60, Period: time.Minute}:            "60 requests per minute",
		{Count: 1, Period: time.Hour}:               "1 request per hour",
		{Count: 20, Period: 2 * time.Hour}:          "20 requests per 2 hours",
		{Count: 5, Period: 90 * time.Second}:        "5 requests per 90 seconds",
		{Count: 9, Period: 24 * time.Hour}:          "9 requests per day",
		{Count: 3, Period: 1500 * time.Millisecond}: "3 requests per 1.5s",
		{}: "off",
	} {
		if got := l.String(); got != want {
			t.Errorf("%+v: %q, want %q", l, got, want)
		}
	}
}
