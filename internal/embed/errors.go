package embed

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Causes a ProviderError may wrap (test with errors.Is).
var (
	// ErrTimeout: a request took longer than Config.Timeout. Retryable.
	ErrTimeout = errors.New("embed: request timed out")
	// ErrInvalidResponse: the body was not a valid embeddings response
	// (malformed JSON, wrong count, mixed dimensions, non-finite or zero
	// vectors). Not retryable: the same request would likely fail the same way.
	ErrInvalidResponse = errors.New("embed: invalid response")
	// ErrModelMismatch: the response came from another model. Not retryable.
	ErrModelMismatch = errors.New("embed: response from a different model")
	// ErrResponseTooLarge: the body exceeded Config.MaxResponseBytes. Not retryable.
	ErrResponseTooLarge = errors.New("embed: response too large")
)

// Limits on the error body kept for messages and logs.
const (
	maxExcerptRead  = 4 << 10
	maxExcerptRunes = 300
)

// ProviderError is any failure of the embeddings provider: a non-2xx status,
// a transport failure or timeout, or an unusable response.
type ProviderError struct {
	Model  string
	Status int    // HTTP status; 0 when no response arrived
	Body   string // short one-line excerpt of an error body; never includes the API key
	// RetryAfter is the server's Retry-After hint, 0 when absent.
	RetryAfter time.Duration
	Err        error // the cause, if not a status
	retryable  bool
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "embeddings provider (model %s)", e.Model)
	if e.Status != 0 && e.Err == nil {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *ProviderError) Unwrap() error { return e.Err }

// Retryable reports whether the same request may succeed later: on 408, 429
// and 5xx statuses, timeouts and transport failures (connection refused or
// reset), never on other 4xx statuses or unusable responses.
func (e *ProviderError) Retryable() bool { return e.retryable }

// IsRetryable reports whether err holds a retryable *ProviderError.
func IsRetryable(err error) bool {
	var pe *ProviderError
	return errors.As(err, &pe) && pe.Retryable()
}

// providerError wraps a failure of post: a *ProviderError it built itself, or
// a transport failure (retryable).
func providerError(model string, err error) error {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe
	}
	return &ProviderError{Model: model, Err: err, retryable: true}
}

func invalid(model, detail string) *ProviderError {
	return &ProviderError{Model: model, Status: http.StatusOK, Err: fmt.Errorf("%w: %s", ErrInvalidResponse, detail)}
}

func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// bodyExcerpt shortens an error body to one line of at most maxExcerptRunes
// runes, so logs stay readable whatever the server sent.
func bodyExcerpt(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if utf8.RuneCountInString(s) <= maxExcerptRunes {
		return s
	}
	return string([]rune(s)[:maxExcerptRunes]) + "…"
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
