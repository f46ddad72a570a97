package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"        // the message id, the same on every retry: the receiver's idempotency key
	HeaderTimestamp = "webhook-timestamp" // unix seconds of this attempt
	HeaderSignature = "webhook-signature" // space-separated "v1,<base64>" signatures
)

// DefaultTolerance is how far a timestamp may be from the receiver's clock, either
// way, before Verify refuses it as a replay; the reference Go library uses 5 minutes.
const DefaultTolerance = 5 * time.Minute

// version is the specification's identifier for the symmetric (HMAC-SHA256) scheme.
const version = "v1"

// Errors from Headers and Verify; Verify wraps each with the detail.
var (
	ErrInvalidMessageID    = errors.New("invalid webhook message id")
	ErrNoSecret            = errors.New("no webhook secret")
	ErrMissingHeader       = errors.New("missing webhook header")
	ErrInvalidHeader       = errors.New("invalid webhook header")
	ErrTimestampTooOld     = errors.New("webhook timestamp too old")
	ErrTimestampTooNew     = errors.New("webhook timestamp too far in the future")
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
)

// Sign returns the webhook-signature header value for one delivery attempt: one
// "v1,<base64 HMAC-SHA256>" per non-zero secret, space-separated, in the order
// given. Pass the current secret and, during a rotation's grace period, the
// previous one too, so receivers holding either keep verifying. body must be the
// exact bytes sent. msgID must not contain "." (Headers checks it); a
// timestamp is signed in whole seconds.
func Sign(secrets []Secret, msgID string, ts time.Time, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s.IsZero() {
			continue
		}
		mac := sum(s.key, msgID, strconv.FormatInt(ts.Unix(), 10), body)
		sigs = append(sigs, version+","+base64.StdEncoding.EncodeToString(mac))
	}
	return strings.Join(sigs, " ")
}

// Headers sets webhook-id, webhook-timestamp and webhook-signature on h for one
// attempt. It refuses a message id that is empty, holds a "." (the separator of
// the signed content, so a dotted id could make two messages sign alike) or
// anything but printable ASCII, and a call with no usable secret.
func Headers(h http.Header, secrets []Secret, msgID string, ts time.Time, body []byte) error {
	if err := checkMessageID(msgID); err != nil {
		return err
	}
	sig := Sign(secrets, msgID, ts, body)
	if sig == "" {
		return ErrNoSecret
	}
	if ts.Unix() < 0 {
		return fmt.Errorf("%w: timestamp %s before 1970", ErrInvalidHeader, ts)
	}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Verify checks a received delivery as a receiver must: the three headers are
// present, the timestamp is within tolerance of now either way (DefaultTolerance
// when tolerance is not positive) and at least one of the "v1," signatures is
// the HMAC of body under secret, compared in constant time. Signatures of other
// schemes (v1a, ...) and malformed entries are skipped, as the specification asks.
func Verify(secret Secret, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if secret.IsZero() {
		return ErrNoSecret
	}
	id, rawTS, sigs := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	for _, h := range []struct{ name, value string }{{HeaderID, id}, {HeaderTimestamp, rawTS}, {HeaderSignature, sigs}} {
		if h.value == "" {
			return fmt.Errorf("%w: %s", ErrMissingHeader, h.name)
		}
	}
	if err := checkMessageID(id); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidHeader, HeaderID, err)
	}
	ts, err := parseTimestamp(rawTS)
	if err != nil {
		return err
	}
	if err := checkTolerance(ts, now, tolerance); err != nil {
		return err
	}
	want := sum(secret.key, id, rawTS, body)
	for _, field := range strings.Fields(sigs) {
		v, enc, ok := strings.Cut(field, ",")
		if !ok || v != version {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(enc)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

// sum is HMAC-SHA256(key, "id.timestamp.body").
func sum(key []byte, msgID, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func checkMessageID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrInvalidMessageID)
	}
	for _, c := range []byte(id) {
		if c == '.' || c <= ' ' || c > '~' {
			return fmt.Errorf("%w: %q holds %q (want printable ASCII without dots)", ErrInvalidMessageID, id, c)
		}
	}
	return nil
}

// parseTimestamp accepts only canonical decimal unix seconds ("0123" or "+123"
// would sign differently from what the sender formatted).
func parseTimestamp(raw string) (time.Time, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != raw {
		return time.Time{}, fmt.Errorf("%w: %s %q is not unix seconds", ErrInvalidHeader, HeaderTimestamp, raw)
	}
	return time.Unix(n, 0), nil
}

func checkTolerance(ts, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	switch {
	case now.Sub(ts) > tolerance:
		return fmt.Errorf("%w: %s is %s before now (tolerance %s)", ErrTimestampTooOld, ts.UTC().Format(time.RFC3339), now.Sub(ts), tolerance)
	case ts.Sub(now) > tolerance:
		return fmt.Errorf("%w: %s is %s after now (tolerance %s)", ErrTimestampTooNew, ts.UTC().Format(time.RFC3339), ts.Sub(now), tolerance)
	}
	return nil
}
