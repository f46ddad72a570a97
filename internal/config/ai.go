package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AIConfig configures the assistant and its provider chain.
type AIConfig struct {
	Providers []string // tried in order; "builtin" should be last

	GroqAPIKey  string
	GroqModel   string
	GroqBaseURL string

	// A second OpenAI-compatible upstream (OpenAI, Ollama, vLLM, llama.cpp server...).
	OpenAIAPIKey  string
	OpenAIModel   string
	OpenAIBaseURL string

	SystemPrompt      string
	MaxTokens         int
	ConnectTimeout    time.Duration
	FirstTokenTimeout time.Duration
	IdleTimeout       time.Duration
	TotalTimeout      time.Duration
	RepliesPerHour    int
	ConcurrentStreams int
	BuiltinChunkDelay time.Duration

	// MaxReplyBytes cuts a reply off (AI_MAX_REPLY_BYTES); by default 16 bytes
	// per AI_MAX_TOKENS token, within [4 KiB, 64 KiB].
	MaxReplyBytes int
	// RepliesPerHourGlobal is the budget of replies per hour across all users
	// and instances (AI_REPLIES_PER_HOUR_GLOBAL); 0 is unlimited.
	RepliesPerHourGlobal int
}

// Bounds of AI_MAX_REPLY_BYTES: a useful answer, and well under what a thread
// should carry per message.
const (
	minReplyBytes = 1 << 10
	maxReplyBytes = 1 << 20
)

// knownProviders are the names AI_PROVIDERS accepts.
var knownProviders = []string{"groq", "openai", "builtin"}

func loadAI(r *reader) AIConfig {
	c := AIConfig{
		GroqAPIKey:        r.getenv("GROQ_API_KEY"),
		GroqModel:         r.str("GROQ_MODEL", "llama-3.3-70b-versatile"),
		GroqBaseURL:       r.str("GROQ_BASE_URL", "https://api.groq.com/openai/v1"),
		OpenAIAPIKey:      r.getenv("OPENAI_API_KEY"),
		OpenAIModel:       r.str("OPENAI_MODEL", ""),
		OpenAIBaseURL:     r.str("OPENAI_BASE_URL", "https://api.openai.com/v1"),
		SystemPrompt:      r.str("AI_SYSTEM_PROMPT", ""),
		MaxTokens:         r.int("AI_MAX_TOKENS", 1024),
		ConnectTimeout:    r.duration("AI_CONNECT_TIMEOUT", 5*time.Second),
		FirstTokenTimeout: r.duration("AI_FIRST_TOKEN_TIMEOUT", 20*time.Second),
		IdleTimeout:       r.duration("AI_IDLE_TIMEOUT", 15*time.Second),
		TotalTimeout:      r.duration("AI_TOTAL_TIMEOUT", 2*time.Minute),
		RepliesPerHour:    r.int("AI_REPLIES_PER_HOUR", 30),
		ConcurrentStreams: r.int("AI_CONCURRENT_STREAMS", 5),
		BuiltinChunkDelay: r.duration("AI_BUILTIN_CHUNK_DELAY", 20*time.Millisecond),

		RepliesPerHourGlobal: r.int("AI_REPLIES_PER_HOUR_GLOBAL", 1000),
	}
	c.MaxReplyBytes = r.int("AI_MAX_REPLY_BYTES", min(max(16*c.MaxTokens, 4<<10), 64<<10))
	def := "builtin"
	if c.GroqAPIKey != "" {
		def = "groq,builtin"
	}
	for _, p := range strings.Split(r.str("AI_PROVIDERS", def), ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			c.Providers = append(c.Providers, p)
		}
	}
	return c
}

func (c AIConfig) validate() error {
	var errs []error
	for _, p := range c.Providers {
		if !slices.Contains(knownProviders, p) {
			errs = append(errs, fmt.Errorf("AI_PROVIDERS: unknown provider %q (known: %s)", p, strings.Join(knownProviders, ", ")))
		}
	}
	if slices.Contains(c.Providers, "groq") && c.GroqAPIKey == "" {
		errs = append(errs, errors.New("AI_PROVIDERS names groq but GROQ_API_KEY is unset"))
	}
	if slices.Contains(c.Providers, "openai") && c.OpenAIModel == "" {
		errs = append(errs, errors.New("AI_PROVIDERS names openai but OPENAI_MODEL is unset"))
	}
	for name, raw := range map[string]string{"GROQ_BASE_URL": c.GroqBaseURL, "OPENAI_BASE_URL": c.OpenAIBaseURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be an absolute http(s) URL, not %q", name, raw))
		}
	}
	if c.MaxTokens < 1 || c.RepliesPerHour < 1 || c.ConcurrentStreams < 1 {
		errs = append(errs, errors.New("AI_MAX_TOKENS, AI_REPLIES_PER_HOUR and AI_CONCURRENT_STREAMS must be at least 1"))
	}
	if c.MaxReplyBytes < minReplyBytes || c.MaxReplyBytes > maxReplyBytes {
		errs = append(errs, fmt.Errorf("AI_MAX_REPLY_BYTES must be between %d and %d, not %d", minReplyBytes, maxReplyBytes, c.MaxReplyBytes))
	}
	if c.RepliesPerHourGlobal < 0 {
		errs = append(errs, fmt.Errorf("AI_REPLIES_PER_HOUR_GLOBAL must be 0 (unlimited) or more, not %d", c.RepliesPerHourGlobal))
	}
	return errors.Join(errs...)
}
