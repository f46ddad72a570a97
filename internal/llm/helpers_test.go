package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
)

const testKey = "gsk_test"

// Short timeouts keep misbehaviour tests fast, yet leave room for a
// loaded CI machine running -race.
const (
	testFirstToken = 400 * time.Millisecond
	testIdle       = 250 * time.Millisecond
)

func newFake(t *testing.T) *llmtest.Server {
	return llmtest.NewServer(t, llmtest.Options{APIKey: testKey})
}

func newGroq(srv *llmtest.Server, edit ...func(*llm.OpenAIConfig)) *llm.OpenAI {
	cfg := llm.OpenAIConfig{
		BaseURL:           srv.URL(),
		APIKey:            testKey,
		Model:             "llama-3.3-70b-versatile",
		MaxTokens:         500,
		FirstTokenTimeout: testFirstToken,
		IdleTimeout:       testIdle,
		TotalTimeout:      5 * time.Second,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return llm.NewOpenAI(cfg)
}

// collector records emitted deltas.
type collector struct {
	deltas []string
}

func (c *collector) emit(d string) error {
	c.deltas = append(c.deltas, d)
	return nil
}

func (c *collector) text() string { return strings.Join(c.deltas, "") }

func stream(t *testing.T, p llm.Provider, req llm.Request) (llm.Result, string, error) {
	t.Helper()
	var c collector
	res, err := p.Stream(t.Context(), req, c.emit)
	return res, c.text(), err
}

func upstreamErr(t *testing.T, err error) *llm.UpstreamError {
	t.Helper()
	var ue *llm.UpstreamError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *UpstreamError", err, err)
	}
	return ue
}

func sampleRequest() llm.Request {
	return llm.Request{
		System:            "You are the support assistant of Acme.",
		TicketTitle:       "Cannot log in",
		TicketDescription: "I forgot my password and the reset email never arrives.",
		Thread: []llm.Turn{
			{Sender: llm.SenderUser, Content: "Hello? Anyone there?"},
			{Sender: llm.SenderAgent, Content: "Looking into it now."},
			{Sender: llm.SenderUser, Content: "Still nothing in my inbox."},
		},
		Passages: []llm.Passage{
			{ArticleID: "kb1", Title: "Resetting your password", Text: "Open Settings, choose Security and press Reset password. The email arrives within five minutes."},
			{ArticleID: "kb2", Title: "Email deliverability", Text: "Check your spam folder and allow mail from acme.example."},
		},
		MaxTokens: 300,
	}
}

// sleepRecorder is an injectable ChainOptions.Sleep that records the
// requested delays and returns at once.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return ctx.Err()
}

func (s *sleepRecorder) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// countingTransport counts round trips, to prove that a provider was
// skipped without touching the network.
type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
