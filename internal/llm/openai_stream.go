package llm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

var (
	errNoDone         = errors.New("stream ended without [DONE]")
	errMalformedChunk = errors.New("malformed chunk")
	errRedirect       = errors.New("redirect not followed")
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

// consume handles the reply's chunks until "data: [DONE]"; a stream that ends
// without it was cut short. openErr is open's error: the request failed.
//
// The events are read by sseReader and each chunk's few fields with gjson, which
// keeps the frames and buffers that live as long as the reply small (see
// docs/benchmarks.md).
func (r *streamRun) consume(openErr error) error {
	if openErr != nil {
		return openErr // classify reads the status from it
	}
	defer r.resp.Body.Close()
	events := newSSEReader(r.resp.Body)
	for {
		data, err := events.next()
		switch {
		case errors.Is(err, io.EOF):
			return errNoDone
		case err != nil:
			return err
		case bytes.HasPrefix(data, []byte("[DONE]")):
			return nil
		}
		if err := r.onChunk(data); err != nil {
			return err
		}
	}
}

// onChunk handles one chunk's JSON: its content delta (choice 0), model and
// usage, or the error it carries.
func (r *streamRun) onChunk(data []byte) error {
	if !gjson.ValidBytes(data) {
		return fmt.Errorf("%w: %.100q", errMalformedChunk, data)
	}
	chunk := gjson.ParseBytes(data)
	if e := chunk.Get("error"); e.Exists() {
		return fmt.Errorf("upstream sent an error event: %s", oneLine(e.String(), 300))
	}
	if e := chunk.Get("x_groq.error"); e.Exists() && e.Type != gjson.Null {
		return fmt.Errorf("upstream stopped the stream: %s", oneLine(e.String(), 300))
	}
	if u, ok := usageFrom(chunk); ok {
		r.usage = u
	}
	if m := chunk.Get("model").String(); m != "" {
		r.model = m
	}
	var err error
	chunk.Get("choices").ForEach(func(_, ch gjson.Result) bool {
		if ch.Get("index").Int() == 0 {
			if content := ch.Get("delta.content").String(); content != "" {
				err = r.deliver(content)
			}
		}
		return err == nil
	})
	if err != nil {
		return err
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
func usageFrom(chunk gjson.Result) (Usage, bool) {
	for _, path := range [...]string{"x_groq.usage", "usage"} {
		if u := chunk.Get(path); u.IsObject() {
			return Usage{
				PromptTokens:     int(u.Get("prompt_tokens").Int()),
				CompletionTokens: int(u.Get("completion_tokens").Int()),
			}, true
		}
	}
	return Usage{}, false
}

// outcome is what Stream returns once the stream has ended with err. It is not
// inlined into Stream, which stays on the stack for the whole reply.
//
//go:noinline
func (r *streamRun) outcome(given []Passage, err error) (Result, error) {
	res := r.result(given)
	if err != nil {
		return res, r.classify(err)
	}
	return res, nil
}

func (r *streamRun) result(given []Passage) Result {
	return Result{
		Provider:  r.o.cfg.Name,
		Model:     r.model,
		Usage:     r.usage,
		Citations: citedPassages(r.text.String(), given),
	}
}

var (
	// citeMarker matches a reference by number: "[2]", "[1, 3]", "[1,3]", "[1; 3]".
	// "[1][3]" is two markers.
	citeMarker = regexp.MustCompile(`\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]`)
	citeNumber = regexp.MustCompile(`\d+`)
)

// minTitleMention is the shortest title whose mention counts as a citation:
// a shorter one ("Billing") is too likely to be an ordinary word of the reply.
const minTitleMention = 8

// citedPassages returns the given passages that reply refers to, by number
// ("[2]", "[1][3]", "[1, 3]") or by their title, each once, in the order of
// their first reference. A number outside 1..len(given) is ignored. A reply
// that refers to none cites none: the model was asked to cite what it used,
// so citing what it was merely shown would credit articles it did not rely on.
func citedPassages(reply string, given []Passage) []Passage {
	// Offsets are taken in the lowered text throughout, so that number and
	// title references compare (lowering may change some runes' lengths).
	lower := strings.ToLower(reply)
	first := make([]int, len(given)) // offset of each passage's first reference; -1: none
	for i := range first {
		first[i] = -1
	}
	note := func(i, at int) {
		if first[i] < 0 || at < first[i] {
			first[i] = at
		}
	}
	for _, m := range citeMarker.FindAllStringIndex(lower, -1) {
		for _, d := range citeNumber.FindAllStringIndex(lower[m[0]:m[1]], -1) {
			n, err := strconv.Atoi(lower[m[0]+d[0] : m[0]+d[1]])
			if err == nil && n >= 1 && n <= len(given) {
				note(n-1, m[0]+d[0])
			}
		}
	}
	for i, p := range given {
		title := strings.ToLower(oneLine(p.Title, maxTitleRunes))
		if len(title) < minTitleMention {
			continue
		}
		if at := strings.Index(lower, title); at >= 0 {
			note(i, at)
		}
	}
	return inReferenceOrder(given, first)
}

// inReferenceOrder returns the passages with a reference (first[i] >= 0),
// ordered by where that reference is; nil when there are none.
func inReferenceOrder(given []Passage, first []int) []Passage {
	var cited []int
	for i, at := range first {
		if at >= 0 {
			cited = append(cited, i)
		}
	}
	slices.SortStableFunc(cited, func(a, b int) int { return first[a] - first[b] })
	var out []Passage
	for _, i := range cited {
		out = append(out, given[i])
	}
	return out
}
