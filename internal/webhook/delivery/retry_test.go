package delivery

import (
	"testing"
	"time"
)

// The schedule of retry.go, read off retryWait without waiting: each wait is
// its nominal value ±20 %, and the whole schedule lasts about three days.
func TestRetrySchedule(t *testing.T) {
	nominal := []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 270 * time.Second,
		810 * time.Second, 2430 * time.Second, 7290 * time.Second, 21870 * time.Second,
		12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour}
	if len(nominal) != MaxAttempts-1 {
		t.Fatalf("the table has %d waits, MaxAttempts %d needs %d", len(nominal), MaxAttempts, MaxAttempts-1)
	}
	var total time.Duration
	for i, want := range nominal {
		attempt := i + 1
		lo, hi := time.Duration(float64(want)*0.8), time.Duration(float64(want)*1.2)
		spread := map[time.Duration]bool{}
		for range 50 {
			got := retryWait(DefaultRetryBase, attempt)
			if got < lo || got > hi {
				t.Fatalf("wait after attempt %d = %v, want %v ±20 %%", attempt, got, want)
			}
			spread[got] = true
		}
		if len(spread) < 10 {
			t.Errorf("waits after attempt %d take %d values in 50 draws: not jittered", attempt, len(spread))
		}
		total += want
	}
	if got := retryWindow(DefaultRetryBase); got != total {
		t.Errorf("retryWindow = %v, want %v", got, total)
	}
	if days := total.Hours() / 24; days < 2.5 || days > 3.5 {
		t.Errorf("the schedule lasts %.1f days, want about three", days)
	}
}

// The worker's NextRetry follows the schedule from the moment it is asked.
func TestNextRetryFollowsTheSchedule(t *testing.T) {
	w := &worker{retryBase: time.Minute}
	before := time.Now()
	next := w.NextRetry(jobAt(3))
	if wait := next.Sub(before); wait < time.Duration(float64(9*time.Minute)*0.8) || wait > time.Duration(float64(9*time.Minute)*1.2)+time.Second {
		t.Errorf("NextRetry after attempt 3 with a 1 min base waits %v, want 9 min ±20 %%", wait)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		" 5 ":                           5 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Mon, 30 Nov 2026 12:01:00 GMT": time.Minute,
		"Mon, 30 Nov 2026 11:00:00 GMT": 0,
		"999999":                        maxRetryAfter,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestReadExcerpt(t *testing.T) {
	long := make([]byte, 0, 2000)
	for len(long) < 1500 {
		long = append(long, "é"...) // two bytes: the 1 KiB cut splits one
	}
	got := readExcerpt(bytesReader(long))
	if len(got) > 1024 || len(got) < 1020 || got[len(got)-2:] != "é" {
		t.Errorf("excerpt of %d bytes ends %q; want at most 1 KiB ending on a whole character", len(got), got[len(got)-2:])
	}
	if got := readExcerpt(bytesReader([]byte{'o', 'k', 0xff, '!'})); got != "ok\uFFFD!" {
		t.Errorf("invalid UTF-8 excerpt = %q, want it replaced", got)
	}
}
