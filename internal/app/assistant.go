package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/support"
)

// newGenerator builds the provider chain named by AI_PROVIDERS. The chain's
// retries, breakers and fallback apply across every link.
func newGenerator(c config.AIConfig, log *slog.Logger) (*llm.Chain, []string) {
	var providers []llm.Provider
	var names []string
	for _, name := range c.Providers {
		var p llm.Provider
		switch name {
		case "groq":
			p = llm.NewOpenAI(openAIConfig(c, "groq", c.GroqBaseURL, c.GroqAPIKey, c.GroqModel))
		case "openai":
			p = llm.NewOpenAI(openAIConfig(c, "openai", c.OpenAIBaseURL, c.OpenAIAPIKey, c.OpenAIModel))
		case "builtin":
			p = llm.NewBuiltin(llm.BuiltinOptions{ChunkDelay: c.BuiltinChunkDelay})
		}
		providers = append(providers, p)
		names = append(names, name)
	}
	return llm.NewChain(providers, llm.ChainOptions{Logger: log}), names
}

func openAIConfig(c config.AIConfig, name, baseURL, key, model string) llm.OpenAIConfig {
	return llm.OpenAIConfig{Name: name, BaseURL: baseURL, APIKey: key, Model: model, MaxTokens: c.MaxTokens,
		ConnectTimeout: c.ConnectTimeout, FirstTokenTimeout: c.FirstTokenTimeout, IdleTimeout: c.IdleTimeout,
		TotalTimeout: c.TotalTimeout}
}

func assistantConfig(c config.AIConfig) support.AssistantConfig {
	return support.AssistantConfig{SystemPrompt: c.SystemPrompt, MaxTokens: c.MaxTokens, MaxReplyBytes: c.MaxReplyBytes,
		RepliesPerHour: c.RepliesPerHour, RepliesPerHourAll: c.RepliesPerHourGlobal, ConcurrentStreams: c.ConcurrentStreams,
		MaxDuration: c.TotalTimeout + 30*time.Second}
}

// Start runs the background work of an instance until ctx ends: at start, replies
// left "streaming" by a crash are failed; then a reaper keeps doing so.
func (a *App) Start(ctx context.Context) {
	reap := a.Assistant.ReapStale
	if a.DB.Engine() == "sqlite" {
		reap = a.Assistant.ReapAll // one instance per SQLite file: nothing else can be streaming
	}
	if n, err := reap(ctx); err != nil {
		a.Log.Warn("failing interrupted AI replies", "err", err)
	} else if n > 0 {
		a.Log.Warn("marked AI replies interrupted by a restart as failed", "count", n)
	}
	go a.Assistant.RunReaper(ctx)
}
