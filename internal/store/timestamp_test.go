package store

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimestampValue(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"utc", time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), "2026-01-02T03:04:05.000006Z"},
		{"whole second keeps its zeros", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000000Z"},
		{"nanoseconds truncated", time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC), "2026-01-02T03:04:05.999999Z"},
		{"other zone converted", time.Date(2026, 1, 2, 9, 0, 0, 0, tokyo), "2026-01-02T00:00:00.000000Z"},
		{"early year padded", time.Date(33, 1, 1, 0, 0, 0, 0, time.UTC), "0033-01-01T00:00:00.000000Z"},
	}
	for _, tt := range tests {
		v, err := timestamp(tt.in).Value()
		if err != nil || v != tt.want {
			t.Errorf("%s: Value() = %v, %v; want %q", tt.name, v, err, tt.want)
		}
	}
	if _, err := timestamp(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)).Value(); err == nil {
		t.Error("Value() of year 10000 succeeded; its text would not sort")
	}
}

// TestTimestampTextSorts: SQLite compares the stored text, so text order must be time order.
func TestTimestampTextSorts(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	times := make([]time.Time, 500)
	texts := make([]string, len(times))
	for i := range times {
		times[i] = time.Unix(0, r.Int64N(4e18)).Add(time.Duration(r.IntN(3)) * time.Nanosecond) // 1970-2096
		v, err := timestamp(times[i]).Value()
		if err != nil {
			t.Fatal(err)
		}
		texts[i] = v.(string)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return normTime(a).Compare(normTime(b)) })
	slices.Sort(texts)
	for i := range times {
		if want, _ := timestamp(times[i]).Value(); texts[i] != want {
			t.Fatalf("text order differs from time order at %d: %q vs %q", i, texts[i], want)
		}
	}
}

func TestTimestampScan(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	tests := []struct {
		name string
		src  any
	}{
		{"pgx time in another zone", want.In(time.FixedZone("X", -5*3600)).Add(700 * time.Nanosecond)},
		{"sqlite text", "2026-01-02T03:04:05.000006Z"},
		{"bytes", []byte("2026-01-02T03:04:05.000006Z")},
		{"other RFC 3339 text", "2026-01-02T04:04:05.000006+01:00"},
	}
	for _, tt := range tests {
		var ts timestamp
		if err := ts.Scan(tt.src); err != nil {
			t.Errorf("%s: Scan: %v", tt.name, err)
			continue
		}
		if got := time.Time(ts); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: Scan = %v, want %v in UTC", tt.name, got, want)
		}
	}
	for _, bad := range []any{"2026-01-02 03:04:05", 42, nil} {
		var ts timestamp
		if err := ts.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) succeeded", bad)
		}
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 7, 8, 9, 10, 11, 123456789, time.FixedZone("Y", 3600))
	v, err := timestamp(in).Value()
	if err != nil {
		t.Fatal(err)
	}
	var out timestamp
	if err := out.Scan(v); err != nil {
		t.Fatal(err)
	}
	if got := time.Time(out); !got.Equal(normTime(in)) || !strings.HasSuffix(v.(string), ".123456Z") {
		t.Errorf("round trip of %v gave %v via %q", in, got, v)
	}
}
