package llm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Defaults for OpenAIConfig.
const (
	DefaultGroqBaseURL       = "https://api.groq.com/openai/v1"
	DefaultGroqModel         = "llama-3.3-70b-versatile"
	DefaultMaxTokens         = 1024
	DefaultPromptTokens      = 6000
	DefaultConnectTimeout    = 5 * time.Second
	DefaultFirstTokenTimeout = 20 * time.Second
	DefaultIdleTimeout       = 15 * time.Second
	DefaultTotalTimeout      = 120 * time.Second
)

// OpenAIConfig configures an OpenAI-compatible chat-completions provider.
// Zero fields take the defaults above.
type OpenAIConfig struct {
	Name    string // provider name in results, errors and logs (default "groq")
	BaseURL string // e.g. https://api.groq.com/openai/v1 (the default)
	APIKey  string
	Model   string
	// MaxTokens caps Request.MaxTokens; it is sent as max_tokens.
	MaxTokens int
	// PromptTokens is the prompt budget handed to BuildMessages. The default
	// stays well inside Groq's free-tier tokens-per-minute limit.
	PromptTokens int
	// ConnectTimeout bounds dialling and the TLS handshake. It only applies
	// when HTTPClient is nil, since we cannot change a caller's transport.
	ConnectTimeout time.Duration
	// FirstTokenTimeout runs from the start of the request until the first
	// content delta; role-only and empty chunks do not extend it.
	FirstTokenTimeout time.Duration
	// IdleTimeout is the longest silence allowed between chunks once the
	// first delta has arrived.
	IdleTimeout time.Duration
	// TotalTimeout bounds the whole reply.
	TotalTimeout time.Duration
	// HTTPClient is optional. Its CheckRedirect is replaced: redirects are
	// never followed, because they would carry the API key elsewhere.
	HTTPClient *http.Client
}

func (c OpenAIConfig) withDefaults() OpenAIConfig {
	c.Name = orDefault(c.Name, "groq")
	c.BaseURL = orDefault(c.BaseURL, DefaultGroqBaseURL)
	c.Model = orDefault(c.Model, DefaultGroqModel)
	c.MaxTokens = orDefault(c.MaxTokens, DefaultMaxTokens)
	c.PromptTokens = orDefault(c.PromptTokens, DefaultPromptTokens)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultConnectTimeout)
	c.FirstTokenTimeout = orDefault(c.FirstTokenTimeout, DefaultFirstTokenTimeout)
	c.IdleTimeout = orDefault(c.IdleTimeout, DefaultIdleTimeout)
	c.TotalTimeout = orDefault(c.TotalTimeout, DefaultTotalTimeout)
	return c
}

// orDefault returns def when v is zero or negative (like cmp.Or, but a
// negative duration or size also falls back to the default).
func orDefault[T int | time.Duration | string](v, def T) T {
	var zero T
	if v <= zero {
		return def
	}
	return v
}

// OpenAI streams replies from an OpenAI-compatible chat-completions API
// (Groq by default). It makes exactly one HTTP request per Stream call:
// retries and fallback are the Chain's job.
type OpenAI struct {
	cfg      OpenAIConfig
	client   *http.Client // never follows redirects
	endpoint string       // {BaseURL}/chat/completions

	// Timeout causes, built once; see streamRun.
	errFirstToken, errIdle, errTotal error
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI returns a provider for cfg. It reads no environment variables
// (OPENAI_API_KEY, OPENAI_BASE_URL and the like would otherwise leak to
// Groq): everything comes from cfg.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	cfg = cfg.withDefaults()
	return &OpenAI{
		cfg:           cfg,
		client:        noRedirectClient(cfg.HTTPClient, cfg.ConnectTimeout),
		endpoint:      chatCompletionsURL(cfg.BaseURL),
		errFirstToken: fmt.Errorf("%w: no first token within %s", ErrTimeout, cfg.FirstTokenTimeout),
		errIdle:       fmt.Errorf("%w: no data for %s", ErrTimeout, cfg.IdleTimeout),
		errTotal:      fmt.Errorf("%w: reply took longer than %s", ErrTimeout, cfg.TotalTimeout),
	}
}

// Name returns the configured provider name.
func (o *OpenAI) Name() string { return o.cfg.Name }

// Model returns the configured model id.
func (o *OpenAI) Model() string { return o.cfg.Model }

// noRedirectClient returns a copy of c (or a streaming-friendly default)
// that never follows redirects.
func noRedirectClient(c *http.Client, connect time.Duration) *http.Client {
	if c == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = connect
		// Many concurrent streams go to one host; the default of 2 idle
		// connections per host would make most requests dial again.
		tr.MaxIdleConnsPerHost = 256
		c = &http.Client{Transport: tr}
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Stream sends req upstream (prompt from BuildMessages within
// PromptTokens; model, stream: true and max_tokens) and relays each content
// delta to emit. Usage comes from x_groq.usage or the standard usage field.
//
// Errors: an emit error is returned unchanged, and the caller's context
// error when the caller gave up. Anything else is an *UpstreamError: HTTP
// errors carry Status and RetryAfter; our timeouts match ErrTimeout; an
// x_groq.error chunk, a malformed chunk, a dropped connection or a stream
// without [DONE] are errors too. After the first delta every error also
// matches ErrInterrupted and is not Retryable.
func (o *OpenAI) Stream(ctx context.Context, req Request, emit func(string) error) (Result, error) {
	msgs, given := buildPrompt(req, o.cfg.PromptTokens)
	run := o.newRun(ctx, emit)
	defer run.close()
	return run.outcome(given, run.consume(o.open(run, req, msgs)))
}

// open sends the request and returns once the response headers are in; on
// success run.resp holds the response, its body still to be read. It does so on
// a goroutine of its own: encoding and sending the request (encoding/json's
// reflective encoder, the HTTP/2 transport) runs deep, and the stack it grows
// would otherwise stay with the goroutine that then waits on the reply for a
// minute. The caller's goroutine keeps a small stack (see docs/benchmarks.md).
func (o *OpenAI) open(run *streamRun, req Request, msgs []Message) error {
	opened := make(chan error, 1)
	go func() {
		var err error
		run.resp, err = o.send(run.ctx, req, msgs)
		opened <- err
	}()
	return <-opened
}
