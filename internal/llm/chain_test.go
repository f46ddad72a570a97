package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
)

// newChain builds groq → builtin with recorded sleeps and full-size jitter
// (Jitter returns its ceiling), so backoff delays are deterministic.
func newChain(sleeps *sleepRecorder, providers ...llm.Provider) *llm.Chain {
	return llm.NewChain(providers, llm.ChainOptions{
		Sleep:  sleeps.sleep,
		Jitter: func(n time.Duration) time.Duration { return n },
	})
}

func TestChainHonoursRetryAfterThenSucceeds(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(429).WithRetryAfter(2*time.Second), llmtest.Reply("Hi"))
	var sleeps sleepRecorder
	res, text, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || text != "Hi" || res.Provider != "groq" {
		t.Fatalf("text %q provider %q err %v", text, res.Provider, err)
	}
	if got := sleeps.got(); !slices.Equal(got, []time.Duration{2 * time.Second}) {
		t.Errorf("slept %v, want exactly the retry-after of 2s", got)
	}
}

func TestChainBacksOffOnServerErrors(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(500), llmtest.Status(503), llmtest.Reply("Hi"))
	var sleeps sleepRecorder
	res, text, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || text != "Hi" || res.Provider != "groq" || srv.RequestCount() != 3 {
		t.Fatalf("text %q provider %q requests %d err %v", text, res.Provider, srv.RequestCount(), err)
	}
	if got, want := sleeps.got(), []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want exponential %v", got, want)
	}
}

func TestChainBackoffIsCappedAndJittered(t *testing.T) {
	var asked []time.Duration
	failing := &stubProvider{name: "flaky", err: &llm.UpstreamError{Provider: "flaky", Status: 503, Retryable: true}}
	var sleeps sleepRecorder
	c := llm.NewChain([]llm.Provider{failing}, llm.ChainOptions{
		MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 3 * time.Second, BreakerFailures: 100,
		Sleep:  sleeps.sleep,
		Jitter: func(n time.Duration) time.Duration { asked = append(asked, n); return n / 2 },
	})
	_, _, err := stream(t, c, sampleRequest())
	if !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err %v", err)
	}
	if want := []time.Duration{1, 2, 3, 3, 3}; !slices.Equal(asked, scale(want, time.Second)) {
		t.Errorf("jitter ceilings %v, want %v seconds", asked, want)
	}
	if got := sleeps.got(); got[0] != 500*time.Millisecond {
		t.Errorf("slept %v, want the jittered values", got)
	}
}

func scale(xs []time.Duration, unit time.Duration) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, x := range xs {
		out[i] = x * unit
	}
	return out
}

func TestChainSkipsProviderWhenRetryAfterTooLong(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(429).WithRetryAfter(time.Minute))
	var sleeps sleepRecorder
	res, text, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || res.Provider != "builtin" || text == "" || len(sleeps.got()) != 0 || srv.RequestCount() != 1 {
		t.Fatalf("provider %q slept %v requests %d err %v", res.Provider, sleeps.got(), srv.RequestCount(), err)
	}
}

func TestChainDoesNotRetryUnauthorized(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(401))
	var sleeps sleepRecorder
	res, _, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || res.Provider != "builtin" || srv.RequestCount() != 1 || len(sleeps.got()) != 0 {
		t.Fatalf("provider %q requests %d sleeps %v err %v", res.Provider, srv.RequestCount(), sleeps.got(), err)
	}
}

func TestChainReportsUpstreamErrorWhenAllFail(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(401))
	_, _, err := stream(t, newChain(&sleepRecorder{}, newGroq(srv)), sampleRequest())
	if !errors.Is(err, llm.ErrUnavailable) || upstreamErr(t, err).Status != 401 {
		t.Fatalf("err %v, want ErrUnavailable carrying the 401", err)
	}
}

func TestChainRetriesAfterFirstTokenTimeout(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("late").StallBeforeFirst(time.Hour), llmtest.Reply("on time"))
	var sleeps sleepRecorder
	res, text, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || text != "on time" || res.Provider != "groq" || len(sleeps.got()) != 1 {
		t.Fatalf("text %q provider %q sleeps %v err %v", text, res.Provider, sleeps.got(), err)
	}
}

func TestChainFallsBackToBuiltinAfterRepeatedTimeouts(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(slices.Repeat([]llmtest.Response{llmtest.Reply("late").StallBeforeFirst(time.Hour)}, 3)...)
	res, text, err := stream(t, newChain(&sleepRecorder{}, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if err != nil || res.Provider != "builtin" || text == "" || srv.RequestCount() != 3 {
		t.Fatalf("provider %q requests %d err %v", res.Provider, srv.RequestCount(), err)
	}
}

func TestChainBreakerSkipsDeadProviderWithoutNetwork(t *testing.T) {
	transport := &countingTransport{}
	dead := llm.NewOpenAI(llm.OpenAIConfig{
		BaseURL: closedURL(t), APIKey: testKey, HTTPClient: &http.Client{Transport: transport},
	})
	c := newChain(&sleepRecorder{}, dead, llm.NewBuiltin(llm.BuiltinOptions{}))
	for i, wantCalls := range []int{3, 5, 5, 5} {
		res, text, err := stream(t, c, sampleRequest())
		if err != nil || res.Provider != "builtin" || text == "" {
			t.Fatalf("call %d: provider %q err %v, want the builtin's answer", i, res.Provider, err)
		}
		if got := transport.count(); got != wantCalls {
			t.Errorf("after call %d: %d network attempts, want %d", i, got, wantCalls)
		}
	}
	if s := c.BreakerState("groq"); s != "open" {
		t.Errorf("breaker %q, want open", s)
	}
}

func TestChainBreakerHalfOpensAfterCooldown(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(slices.Repeat([]llmtest.Response{llmtest.Status(503)}, 2)...)
	c := llm.NewChain([]llm.Provider{newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{
		MaxAttempts: 1, BreakerFailures: 2, BreakerCooldown: 50 * time.Millisecond,
	})
	for range 3 {
		stream(t, c, sampleRequest())
	}
	if srv.RequestCount() != 2 || c.BreakerState("groq") != "open" {
		t.Fatalf("requests %d breaker %q, want 2 and open", srv.RequestCount(), c.BreakerState("groq"))
	}
	time.Sleep(60 * time.Millisecond)
	res, _, err := stream(t, c, sampleRequest()) // the queue is empty: the fake answers
	if err != nil || res.Provider != "groq" || c.BreakerState("groq") != "closed" {
		t.Fatalf("provider %q breaker %q err %v, want groq to recover", res.Provider, c.BreakerState("groq"), err)
	}
}

func TestChainRequestErrorsDoNotOpenBreaker(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(slices.Repeat([]llmtest.Response{llmtest.Status(400)}, 3)...)
	c := llm.NewChain([]llm.Provider{newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{BreakerFailures: 2})
	for range 3 {
		stream(t, c, sampleRequest())
	}
	if s := c.BreakerState("groq"); s != "closed" {
		t.Errorf("breaker %q after 400s, want closed: the request was bad, not the provider", s)
	}
}

func TestChainNoFallbackAfterFirstToken(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("Hel", "lo", " there").DropAfter(2))
	var sleeps sleepRecorder
	res, text, err := stream(t, newChain(&sleeps, newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if !errors.Is(err, llm.ErrInterrupted) || text != "Hello" {
		t.Fatalf("text %q err %v, want ErrInterrupted after %q", text, err, "Hello")
	}
	if res.Provider != "groq" || srv.RequestCount() != 1 || len(sleeps.got()) != 0 {
		t.Errorf("provider %q requests %d sleeps %v: must neither retry nor fall back", res.Provider, srv.RequestCount(), sleeps.got())
	}
}

func TestChainWrapsPlainErrorsAfterFirstToken(t *testing.T) {
	boom := errors.New("boom")
	p := &stubProvider{name: "custom", deltas: []string{"partial"}, err: boom}
	_, text, err := stream(t, newChain(&sleepRecorder{}, p, llm.NewBuiltin(llm.BuiltinOptions{})), sampleRequest())
	if !errors.Is(err, llm.ErrInterrupted) || !errors.Is(err, boom) || text != "partial" {
		t.Fatalf("text %q err %v", text, err)
	}
}

func TestChainReturnsEmitErrorUnchanged(t *testing.T) {
	srv := newFake(t)
	errGone := errors.New("client went away")
	c := llm.NewChain([]llm.Provider{newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{BreakerFailures: 1})
	_, err := c.Stream(t.Context(), sampleRequest(), func(string) error { return errGone })
	if err != errGone {
		t.Fatalf("err %v, want the emit error itself", err)
	}
	if s := c.BreakerState("groq"); s != "closed" {
		t.Errorf("breaker %q: the caller's failure must not count against the provider", s)
	}
}

func TestChainStopsWhenCallerCancelsDuringBackoff(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(503))
	ctx, cancel := context.WithCancel(t.Context())
	c := llm.NewChain([]llm.Provider{newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() },
	})
	res, err := c.Stream(ctx, sampleRequest(), func(string) error { return nil })
	if !errors.Is(err, context.Canceled) || res.Provider == "builtin" {
		t.Fatalf("provider %q err %v, want cancellation without fallback", res.Provider, err)
	}
}

// stubProvider emits deltas, then returns err.
type stubProvider struct {
	name   string
	deltas []string
	err    error
}

func (s *stubProvider) Name() string { return s.name }

func (s *stubProvider) Stream(ctx context.Context, _ llm.Request, emit func(string) error) (llm.Result, error) {
	for _, d := range s.deltas {
		if err := emit(d); err != nil {
			return llm.Result{Provider: s.name}, err
		}
	}
	return llm.Result{Provider: s.name}, s.err
}

// timeoutTransport fails like a dial to a black-holed host: the error
// matches context.DeadlineExceeded although the caller's context is fine.
type timeoutTransport struct{}

func (timeoutTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("dial tcp 10.255.255.1:443: i/o timeout: %w", context.DeadlineExceeded)
}

func TestChainBreakerCountsDialTimeouts(t *testing.T) {
	blackholed := llm.NewOpenAI(llm.OpenAIConfig{HTTPClient: &http.Client{Transport: timeoutTransport{}}})
	c := llm.NewChain([]llm.Provider{blackholed, llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{
		MaxAttempts: 1, BreakerFailures: 2,
	})
	for range 2 {
		if res, _, err := stream(t, c, sampleRequest()); err != nil || res.Provider != "builtin" {
			t.Fatalf("provider %q err %v", res.Provider, err)
		}
	}
	if s := c.BreakerState("groq"); s != "open" {
		t.Errorf("breaker %q after 2 dial timeouts, want open", s)
	}
}
