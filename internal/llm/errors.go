package llm

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrInterrupted marks a failure after at least one delta was emitted.
	// Such a failure is never retried or sent to another provider, because
	// the customer would see duplicated or contradictory text.
	ErrInterrupted = errors.New("llm: reply interrupted after it started")

	// ErrTimeout marks our own deadlines: no first token in time, too long a
	// silence between chunks, or the whole reply taking too long. It is
	// distinct from the caller's context deadline.
	ErrTimeout = errors.New("llm: upstream timed out")

	// ErrUnavailable is returned by Chain when every provider failed before
	// producing a token. The individual errors are joined to it.
	ErrUnavailable = errors.New("llm: no provider could answer")
)

// UpstreamError describes a failed call to an upstream model API. Use
// errors.As(err, &upstreamErr) with a *UpstreamError.
type UpstreamError struct {
	Provider   string
	Status     int           // HTTP status; 0 when no response applies (network, timeout, stream error)
	RetryAfter time.Duration // from the retry-after header, 0 if absent
	Retryable  bool          // whether trying the same provider again may succeed
	Err        error
}

// Error implements error. It never contains credentials.
func (e *UpstreamError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm: %s", e.Provider)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *UpstreamError) Unwrap() error { return e.Err }

// retryableStatus reports whether an HTTP status is worth another attempt.
// 498 is Groq's "flex tier capacity exceeded". 4xx errors caused by the
// request itself (400, 401, 403, 404, 413, 422) would fail the same way again.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests, 498:
		return true
	}
	return code >= 500
}

// isRetryable reports whether err came from a provider failure that may
// succeed on the same provider. Unknown errors are not retried: the chain
// moves on to the next provider instead.
func isRetryable(err error) bool {
	var ue *UpstreamError
	return errors.As(err, &ue) && ue.Retryable
}

// retryAfterOf returns the upstream's requested wait, or 0.
func retryAfterOf(err error) time.Duration {
	var ue *UpstreamError
	if errors.As(err, &ue) {
		return ue.RetryAfter
	}
	return 0
}

// interrupted marks err as happening after the first delta.
func interrupted(err error) error {
	if err == nil || errors.Is(err, ErrInterrupted) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInterrupted, err)
}

// parseRetryAfter reads retry-after-ms (OpenAI) or retry-after (seconds,
// possibly fractional, or an HTTP date). Groq sends whole seconds on 429.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return max(0, time.Duration(s*float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}
