package app

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/textsearch"
)

// newGenerator builds the provider chain named by AI_PROVIDERS. The chain's
// retries, breakers and fallback apply across every link.
func newGenerator(c config.AIConfig, an *textsearch.Analyzer, log *slog.Logger, obs llm.ChainObserver, tp trace.TracerProvider) (*llm.Chain, []string) {
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
			p = llm.NewBuiltin(builtinOptions(c, an))
		}
		providers = append(providers, p)
		names = append(names, name)
	}
	return llm.NewChain(providers, llm.ChainOptions{Logger: log, Observer: obs,
		Tracer: tp.Tracer("github.com/supportd/supportd/internal/llm")}), names
}

// newDecliner writes the replies to questions the knowledge base cannot answer:
// the built-in responder, so no model is asked.
func newDecliner(c config.AIConfig, an *textsearch.Analyzer) *llm.Builtin {
	return llm.NewBuiltin(builtinOptions(c, an))
}

// builtinOptions has the built-in responder pick sentences with the
// knowledge base's own analysis.
func builtinOptions(c config.AIConfig, an *textsearch.Analyzer) llm.BuiltinOptions {
	return llm.BuiltinOptions{ChunkDelay: c.BuiltinChunkDelay, Terms: questionTerms(an)}
}

// questionTerms analyses text in a language named by its code ("" or an
// unknown code: English), as the knowledge base's index does.
func questionTerms(an *textsearch.Analyzer) func(text, lang string) []string {
	return func(text, lang string) []string {
		l, _ := textsearch.ParseLang(lang)
		return an.Terms(text, l)
	}
}

func openAIConfig(c config.AIConfig, name, baseURL, key, model string) llm.OpenAIConfig {
	return llm.OpenAIConfig{Name: name, BaseURL: baseURL, APIKey: key, Model: model, MaxTokens: c.MaxTokens,
		ConnectTimeout: c.ConnectTimeout, FirstTokenTimeout: c.FirstTokenTimeout, IdleTimeout: c.IdleTimeout,
		TotalTimeout: c.TotalTimeout}
}

func assistantConfig(cfg config.Config, heartbeat time.Duration) support.AssistantConfig {
	c := cfg.AI
	return support.AssistantConfig{SystemPrompt: c.SystemPrompt, MaxTokens: c.MaxTokens, MaxReplyBytes: c.MaxReplyBytes,
		RepliesPerHour: c.RepliesPerHour, RepliesPerHourAll: c.RepliesPerHourGlobal, ConcurrentStreams: c.ConcurrentStreams,
		MaxDuration: c.TotalTimeout + 30*time.Second, Heartbeat: heartbeat, RelayTimeout: cfg.RedisTimeout}
}

// Start begins the background work of a serving instance: replies left
// "streaming" by a crash are failed, what an operator must know is logged
// (startupWarnings), then the reaper keeps this instance's replies alive and
// fails other instances' stale ones until Close. It outlives ctx on purpose:
// generations still running at shutdown keep their heartbeat while Close waits
// for them. The audit pruner (startAuditPruner) starts too. Call Start at most once.
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
	a.startupWarnings(ctx)
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	a.stopReaper, a.reaperDone = stop, done
	go func() {
		defer close(done)
		a.Assistant.RunReaper(rctx)
	}()
	a.startAuditPruner(ctx)
	a.startIdempotencyPruner(ctx)
	a.startSweeper(ctx)
	a.StartLive(ctx)
	if err := a.StartWebhooks(ctx); err != nil {
		a.Log.Error("webhook delivery did not start; events are kept and sent once an instance runs it", "error", err)
	}
}

// stopReaperAndWait stops the reaper and returns once it has, so that it never
// uses a closed database. Each of its steps takes its context: it stops at once.
func (a *App) stopReaperAndWait() { stopAndWait(a.stopReaper, a.reaperDone) }

// stopAndWait ends background work started with stop and done, and returns
// once it has ended; nothing when it never started.
func stopAndWait(stop context.CancelFunc, done <-chan struct{}) {
	if stop == nil {
		return
	}
	stop()
	<-done
}
