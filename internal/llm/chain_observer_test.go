package llm_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
)

// observed records what a Chain reports to its Observer.
type observed struct {
	mu     sync.Mutex
	events []string
}

func (o *observed) AIRetried(p string)  { o.add("retry " + p) }
func (o *observed) AIFellBack(p string) { o.add("fallback " + p) }
func (o *observed) add(e string)        { o.mu.Lock(); o.events = append(o.events, e); o.mu.Unlock() }

// Each retry and each fallback is reported once, by provider.
func TestChainReportsRetriesAndFallbacks(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(503), llmtest.Status(503), llmtest.Status(503))
	var sleeps sleepRecorder
	var obs observed
	c := llm.NewChain([]llm.Provider{newGroq(srv), llm.NewBuiltin(llm.BuiltinOptions{})}, llm.ChainOptions{
		Sleep: sleeps.sleep, Jitter: func(n time.Duration) time.Duration { return n }, Observer: &obs})
	res, _, err := stream(t, c, sampleRequest())
	if err != nil || res.Provider != "builtin" {
		t.Fatalf("provider %q err %v", res.Provider, err)
	}
	if want := []string{"retry groq", "retry groq", "fallback groq"}; !slices.Equal(obs.events, want) {
		t.Fatalf("observed %q, want %q", obs.events, want)
	}
}
