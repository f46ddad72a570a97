// Package ratelimit answers "may this key make one more request under this limit?"
// with GCRA (a token bucket whose burst is the whole quota): in memory per instance,
// or in Redis so the limit holds across instances, falling back to memory while
// Redis fails.
package ratelimit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Limit is a policy: Count requests per Period, all of which may come at once.
// A zero Count means the policy is off.
type Limit struct {
	Name   string // the policy name shown to clients, e.g. "user"
	Count  int
	Period time.Duration
}

// Off reports whether the policy limits nothing.
func (l Limit) Off() bool { return l.Count <= 0 }

// String describes the limit for people: "60 requests per minute".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	noun := "requests"
	if l.Count == 1 {
		noun = "request"
	}
	return fmt.Sprintf("%d %s per %s", l.Count, noun, describePeriod(l.Period))
}

func describePeriod(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		switch {
		case d == u.d:
			return u.name
		case d%u.d == 0:
			return strconv.Itoa(int(d/u.d)) + " " + u.name + "s"
		}
	}
	return d.String()
}

// Result is the answer for one request.
type Result struct {
	Allowed    bool
	Remaining  int           // requests still allowed right now
	ResetAfter time.Duration // until the quota is whole again
	RetryAfter time.Duration // when refused: until one request is allowed again
}

var shortPeriod = regexp.MustCompile(`^([0-9]*)([smhd])$`)

// MinPeriod and MaxPeriod bound a policy's period.
const (
	MinPeriod = time.Second
	MaxPeriod = 7 * 24 * time.Hour
)

// ParseLimit reads "N/period" (period a Go duration such as 1m or 90s, or a count and
// unit among s, m, h, d, such as h or 2d) or "off".
func ParseLimit(name, s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return Limit{Name: name}, nil
	}
	n, p, ok := strings.Cut(s, "/")
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || count < 1 {
		return Limit{}, fmt.Errorf("want N/period such as 300/1m or 20/h (N at least 1), or off; not %q", s)
	}
	period, err := parsePeriod(strings.TrimSpace(p))
	if err != nil {
		return Limit{}, fmt.Errorf("want N/period such as 300/1m or 20/h, or off; not %q: %w", s, err)
	}
	if period < MinPeriod || period > MaxPeriod {
		return Limit{}, fmt.Errorf("period of %q must be between %s and %s", s, MinPeriod, MaxPeriod)
	}
	return Limit{Name: name, Count: count, Period: period}, nil
}

func parsePeriod(p string) (time.Duration, error) {
	m := shortPeriod.FindStringSubmatch(p)
	if m == nil {
		return time.ParseDuration(p)
	}
	n := 1
	if m[1] != "" {
		var err error
		if n, err = strconv.Atoi(m[1]); err != nil || n > 1000 {
			return 0, fmt.Errorf("bad period %q", p)
		}
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}
