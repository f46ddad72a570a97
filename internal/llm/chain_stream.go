package llm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Stream asks each provider in turn until one answers. See Chain.
//
// Errors: the caller's emit error is returned unchanged; after the first
// delta, errors satisfy errors.Is(err, ErrInterrupted); when the caller's
// context ends, its error is returned; when every provider failed,
// errors.Is(err, ErrUnavailable) and errors.As finds the first provider's
// *UpstreamError (with its Status and RetryAfter).
func (c *Chain) Stream(ctx context.Context, req Request, emit func(string) error) (Result, error) {
	t := &emitTracker{emit: emit}
	var errs []error
	for _, l := range c.links {
		res, err := c.tryLink(ctx, l, req, t)
		if err == nil {
			return res, nil
		}
		if final := finalError(ctx, t, err); final != nil {
			return res, final
		}
		errs = c.fallBack(ctx, l, errs, err)
	}
	return Result{}, unavailable(errs)
}

// Stream, tryLink and call stay on the stack for a whole reply, so the work done
// only between attempts lives in small functions of its own (fallBack,
// unavailable, retryWait) that are kept out of their frames: every open stream's
// generating goroutine then fits a smaller stack (see docs/benchmarks.md).

//go:noinline
func (c *Chain) fallBack(ctx context.Context, l link, errs []error, err error) []error {
	c.opts.Logger.WarnContext(ctx, "llm provider failed, trying the next one", "provider", l.p.Name(), "err", err)
	c.opts.Observer.AIFellBack(l.p.Name())
	return append(errs, err)
}

//go:noinline
func unavailable(errs []error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

// finalError returns the error to hand back when no other provider may be
// tried, or nil to fall back.
func finalError(ctx context.Context, t *emitTracker, err error) error {
	var ee *emitError
	switch {
	case errors.As(err, &ee):
		return ee.err
	case t.started:
		return interrupted(err)
	case ctx.Err() != nil:
		return err
	}
	return nil
}

// tryLink calls one provider, retrying retryable failures that happen
// before the first delta, through the provider's breaker.
func (c *Chain) tryLink(ctx context.Context, l link, req Request, t *emitTracker) (Result, error) {
	for attempt := 1; ; attempt++ {
		actx, span := c.startAttempt(ctx, l, attempt)
		res, err := l.call(actx, req, t)
		endAttempt(span, res, err)
		if err == nil || t.started || ctx.Err() != nil {
			return res, err
		}
		if err := c.retryWait(ctx, l, attempt, err); err != nil {
			return res, err
		}
	}
}

// startAttempt opens the span of one attempt at a provider.
//
//go:noinline
func (c *Chain) startAttempt(ctx context.Context, l link, attempt int) (context.Context, trace.Span) {
	return c.opts.Tracer.Start(ctx, "llm.attempt", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("llm.provider", l.p.Name()), attribute.Int("llm.attempt", attempt)))
}

// endAttempt records an attempt's outcome on its span and ends it.
//
//go:noinline
func endAttempt(span trace.Span, res Result, err error) {
	if span.IsRecording() {
		if res.Model != "" {
			span.SetAttributes(attribute.String("llm.model", res.Model),
				attribute.Int("llm.usage.prompt_tokens", res.Usage.PromptTokens),
				attribute.Int("llm.usage.completion_tokens", res.Usage.CompletionTokens))
		}
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, oneLine(err.Error(), 200))
		}
	}
	span.End()
}

// retryWait sleeps before the next attempt at a provider and returns nil, or
// returns the error to give up with: err itself when it may not be retried.
//
//go:noinline
func (c *Chain) retryWait(ctx context.Context, l link, attempt int, err error) error {
	if attempt >= c.opts.MaxAttempts || !isRetryable(err) {
		return err
	}
	delay, ok := c.retryDelay(attempt, err)
	if !ok {
		return err
	}
	c.opts.Logger.WarnContext(ctx, "llm attempt failed, retrying", "provider", l.p.Name(),
		"attempt", attempt, "delay", delay, "err", err)
	c.opts.Observer.AIRetried(l.p.Name())
	return c.opts.Sleep(ctx, delay)
}

// call makes one attempt through the provider's breaker. An open breaker
// fails at once (gobreaker.ErrOpenState) without calling the provider.
func (l link) call(ctx context.Context, req Request, t *emitTracker) (Result, error) {
	done, err := l.cb.Allow()
	if err != nil {
		return Result{}, &UpstreamError{Provider: l.p.Name(), Err: err}
	}
	res, err := l.p.Stream(ctx, req, t.call)
	done(breakerOutcome(ctx, err))
	return res, err
}

// retryDelay returns how long to wait before retry number attempt, and
// false when the upstream asks for a longer wait than we accept.
func (c *Chain) retryDelay(attempt int, err error) (time.Duration, bool) {
	if ra := retryAfterOf(err); ra > 0 {
		return ra, ra <= c.opts.MaxRetryAfter
	}
	ceiling := c.opts.MaxDelay
	if shift := attempt - 1; shift < 30 && c.opts.BaseDelay<<shift < ceiling {
		ceiling = c.opts.BaseDelay << shift
	}
	return c.opts.Jitter(ceiling), true
}

// emitTracker wraps the caller's emit to know whether any delta went out,
// and to mark the caller's own errors so they are neither retried nor
// counted against a provider's breaker.
type emitTracker struct {
	emit    func(string) error
	started bool
}

func (t *emitTracker) call(delta string) error {
	t.started = true
	if err := t.emit(delta); err != nil {
		return &emitError{err}
	}
	return nil
}

// emitError carries an error returned by the caller's emit.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }
