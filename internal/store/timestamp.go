package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is how times are written: fixed width and always UTC, so that
// SQLite's TEXT columns sort in time order with a plain string comparison.
// PostgreSQL parses the same text into TIMESTAMPTZ without ambiguity.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// normTime is the one precision both engines store: UTC, whole microseconds.
// Applying it before writing makes a value read back Equal to the one written.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// timestamp converts a time.Time to and from the database.
// It writes timeLayout text and reads either that text (SQLite) or a time.Time (pgx).
type timestamp time.Time

// Value implements driver.Valuer.
func (ts timestamp) Value() (driver.Value, error) {
	t := normTime(time.Time(ts))
	if y := t.Year(); y < 0 || y > 9999 {
		// A five-digit year would break the fixed width that text sorting relies on.
		return nil, fmt.Errorf("store: time %v out of range (years 0000-9999)", t)
	}
	return t.Format(timeLayout), nil
}

// Scan implements sql.Scanner.
func (ts *timestamp) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*ts = timestamp(normTime(v))
		return nil
	case string:
		return ts.parse(v)
	case []byte:
		return ts.parse(string(v))
	}
	return fmt.Errorf("store: cannot scan %T into a time", src)
}

func (ts *timestamp) parse(s string) error {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		// Accept any RFC 3339 text too, so a row written by hand is still readable.
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", s, err)
	}
	*ts = timestamp(normTime(t))
	return nil
}
