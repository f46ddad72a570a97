package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tidwall/gjson"
)

var (
	errNoDone   = errors.New("stream ended without [DONE]")
	errRedirect = errors.New("redirect not followed")
)

// streamRun is the state of one OpenAI.Stream call.
//
// Timeouts: a single timer cancels ctx with a cause. It is armed with
// FirstTokenTimeout at the start and, once the first delta has arrived,
// re-armed with IdleTimeout after every chunk. TotalTimeout is a context
// deadline with its own cause. Cancelling the context aborts the HTTP
// request or the body read, and classify reports the cause as a timeout.
type streamRun struct {
	o       *OpenAI
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stop    context.CancelFunc
	timer   *time.Timer
	started atomic.Bool // a delta was emitted; read by the timer's goroutine
	sawDone atomic.Bool // the body carried "data: [DONE]"
	resp    *http.Response
	emit    func(string) error
	emitErr error
	text    strings.Builder
	model   string
	usage   Usage
}

func (o *OpenAI) newRun(parent context.Context, emit func(string) error) *streamRun {
	r := &streamRun{o: o, parent: parent, emit: emit, model: o.cfg.Model}
	outer, cancel := context.WithCancelCause(parent)
	r.ctx, r.stop = context.WithTimeoutCause(outer, o.cfg.TotalTimeout, o.errTotal)
	r.cancel = cancel
	r.timer = time.AfterFunc(o.cfg.FirstTokenTimeout, r.timedOut)
	return r
}

func (r *streamRun) timedOut() {
	if r.started.Load() {
		r.cancel(r.o.errIdle)
		return
	}
	r.cancel(r.o.errFirstToken)
}

func (r *streamRun) close() {
	r.timer.Stop()
	r.stop()
	r.cancel(nil)
}

// middleware refuses redirects and watches the body for the [DONE] line:
// openai-go ends a stream the same way on [DONE] and on a clean EOF, but a
// stream that ends without [DONE] was cut short.
func (r *streamRun) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil || res == nil {
		return res, err
	}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		res.Body.Close()
		return nil, &UpstreamError{Status: res.StatusCode, Err: errRedirect}
	}
	if res.StatusCode < 300 {
		res.Body = &doneWatcher{ReadCloser: res.Body, seen: &r.sawDone}
	}
	return res, nil
}

// onChunk handles one decoded chunk.
func (r *streamRun) onChunk(c openai.ChatCompletionChunk) error {
	raw := c.RawJSON()
	if e := gjson.Get(raw, "x_groq.error"); e.Exists() && e.Type != gjson.Null {
		return fmt.Errorf("upstream stopped the stream: %s", e.String())
	}
	if u, ok := usageFrom(raw); ok {
		r.usage = u
	}
	if c.Model != "" {
		r.model = c.Model
	}
	for _, ch := range c.Choices {
		if ch.Index == 0 && ch.Delta.Content != "" {
			if err := r.deliver(ch.Delta.Content); err != nil {
				return err
			}
		}
	}
	if r.started.Load() {
		r.timer.Reset(r.o.cfg.IdleTimeout)
	}
	return nil
}

func (r *streamRun) deliver(delta string) error {
	r.started.Store(true)
	r.text.WriteString(delta)
	if err := r.emit(delta); err != nil {
		r.emitErr = err
		return err
	}
	return nil
}

// usageFrom reads Groq's x_groq.usage, or the standard top-level usage.
func usageFrom(raw string) (Usage, bool) {
	for _, path := range [...]string{"x_groq.usage", "usage"} {
		if u := gjson.Get(raw, path); u.IsObject() {
			return Usage{
				PromptTokens:     int(u.Get("prompt_tokens").Int()),
				CompletionTokens: int(u.Get("completion_tokens").Int()),
			}, true
		}
	}
	return Usage{}, false
}

// endErr turns the end of the stream into an error, if it is one.
func (r *streamRun) endErr(err error) error {
	if err == nil && !r.sawDone.Load() {
		return errNoDone
	}
	return err
}

func (r *streamRun) result(given []Passage) Result {
	return Result{
		Provider:  r.o.cfg.Name,
		Model:     r.model,
		Usage:     r.usage,
		Citations: citedPassages(r.text.String(), given),
	}
}
