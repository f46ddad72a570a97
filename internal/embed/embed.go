// Package embed turns text into embedding vectors through any
// OpenAI-compatible /embeddings endpoint (OpenAI, Ollama, vLLM, llama.cpp).
// The protocol is one JSON POST, so the package uses the standard library
// only. Package embedtest holds a fake server for tests.
//
// The client does not retry: the caller (a background job) decides when to
// try again, guided by ProviderError.Retryable and RetryAfter.
package embed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxBatch = 64
	// DefaultTimeout bounds one request (one batch). CPU-bound local servers
	// such as Ollama can take tens of seconds for a full batch of passages.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxResponseBytes caps a response body: 64 vectors of 3,072
	// dimensions (OpenAI's largest) written as JSON decimals take about
	// 4 MiB, so 32 MiB leaves ample room while bounding a misbehaving server.
	DefaultMaxResponseBytes = 32 << 20
)

// ErrEmptyInput reports an empty (or all-blank) text: providers reject them,
// and they have no meaning to embed.
var ErrEmptyInput = errors.New("embed: empty input text")

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or
	// http://localhost:11434/v1; "/embeddings" is appended.
	BaseURL string
	Model   string
	// APIKey is sent as a bearer token; empty sends no Authorization header
	// (local servers need none).
	APIKey string
	// HTTPClient sends the requests (default: a new http.Client). Its own
	// Timeout, if any, also applies.
	HTTPClient *http.Client
	Timeout    time.Duration // per request; default DefaultTimeout
	MaxBatch   int           // texts per request; default DefaultMaxBatch
	// MaxResponseBytes caps a response body; default DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client embeds texts. It is safe for concurrent use.
type Client struct {
	endpoint string
	model    string
	apiKey   string
	http     *http.Client
	timeout  time.Duration
	maxBatch int
	maxBody  int64
}

// New returns a client for cfg, after checking BaseURL and Model.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("embed: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("embed: model is required")
	}
	c := &Client{
		endpoint: strings.TrimRight(cfg.BaseURL, "/") + "/embeddings",
		model:    cfg.Model,
		apiKey:   cfg.APIKey,
		http:     cfg.HTTPClient,
		timeout:  cfg.Timeout,
		maxBatch: cfg.MaxBatch,
		maxBody:  cfg.MaxResponseBytes,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBatch <= 0 {
		c.maxBatch = DefaultMaxBatch
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	return c, nil
}

// Model returns the configured model name. Vectors from different models
// live in different spaces, so callers store it next to each vector and
// re-embed when it changes.
func (c *Client) Model() string { return c.model }

// Embed returns one vector per text, in the order of texts. Texts are sent in
// batches of at most MaxBatch, one after another (providers rate-limit, and a
// background job has no hurry). Every vector has the same length and is
// L2-normalised (unit length), so the cosine similarity of two vectors is
// their dot product: the vector index then needs no division per comparison.
//
// Errors: ErrEmptyInput for a blank text (nothing is sent); the caller's
// context error when ctx ends; otherwise a *ProviderError.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("%w (text %d)", ErrEmptyInput, i)
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.maxBatch {
		batch := texts[start:min(start+c.maxBatch, len(texts))]
		vecs, err := c.embedBatch(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embed texts %d-%d: %w", start, start+len(batch)-1, err)
		}
		if len(out) > 0 && len(vecs[0]) != len(out[0]) {
			return nil, invalid(c.model, fmt.Sprintf("batch at text %d has %d dimensions, earlier ones %d",
				start, len(vecs[0]), len(out[0])))
		}
		out = append(out, vecs...)
	}
	return out, nil
}
