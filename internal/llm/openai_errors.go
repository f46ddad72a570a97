package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// classify turns a failed stream into the error Stream returns:
//   - the caller's own emit error, unchanged;
//   - the caller's context error, when the caller gave up;
//   - otherwise an *UpstreamError, wrapped with ErrInterrupted when a delta
//     had already been emitted (never retryable then).
//
// Before the first delta, connection errors, timeouts, malformed chunks,
// x_groq.error and streams without [DONE] are retryable; HTTP statuses are
// retryable as retryableStatus says.
func (r *streamRun) classify(err error) error {
	if r.emitErr != nil {
		return r.emitErr
	}
	if perr := r.parent.Err(); perr != nil {
		err = perr
	} else {
		ue := r.upstreamError(err)
		if r.started.Load() {
			ue.Retryable = false
		}
		err = ue
	}
	if r.started.Load() {
		return interrupted(err)
	}
	return err
}

func (r *streamRun) upstreamError(err error) *UpstreamError {
	var ue *UpstreamError
	if errors.As(err, &ue) { // built by send: a refused redirect
		ue.Provider = r.o.cfg.Name
		return ue
	}
	ue = &UpstreamError{Provider: r.o.cfg.Name, Retryable: true, Err: err}
	if cause := context.Cause(r.ctx); errors.Is(cause, ErrTimeout) {
		ue.Err = cause
		return ue
	}
	var se *statusError
	if errors.As(err, &se) {
		ue.Status = se.status
		ue.Retryable = retryableStatus(se.status)
		ue.RetryAfter = parseRetryAfter(se.header, time.Now())
		ue.Err = errors.New(se.message)
	}
	return ue
}

// apiMessage extracts the upstream's error message from an error body
// ({"error":{"message":…}}, as OpenAI and Groq send), shortened, or falls back
// to the status text. body may be cut short.
func apiMessage(body []byte, status int) string {
	if m := gjson.GetBytes(body, "error.message"); m.Type == gjson.String && strings.TrimSpace(m.Str) != "" {
		return oneLine(m.Str, 300)
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "upstream error"
}
