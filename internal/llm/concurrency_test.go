package llm_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
)

// TestConcurrentStreams runs many streams at once through one provider and
// one fake server: every caller must get its own complete reply.
func TestConcurrentStreams(t *testing.T) {
	const n = 200
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: testKey, DiscardRequests: true,
		Default: ptr(llmtest.Reply("one ", "two ", "three"))})
	// Generous timeouts: hundreds of streams on a small CI machine under
	// -race are slow, and timeouts are tested elsewhere.
	p := newGroq(srv, relaxed)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			var c collector
			if _, err := p.Stream(t.Context(), sampleRequest(), c.emit); err != nil || c.text() != "one two three" {
				errs <- fmt.Errorf("text %q err %v", c.text(), err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.RequestCount() != n {
		t.Errorf("server saw %d requests", srv.RequestCount())
	}
}

// BenchmarkConcurrentStreams measures whole streams (request, 3 chunks,
// usage, [DONE]) through the real client against the fake, in parallel.
func BenchmarkConcurrentStreams(b *testing.B) {
	srv := llmtest.NewServer(b, llmtest.Options{APIKey: testKey, DiscardRequests: true})
	p := newGroq(srv, relaxed)
	req := sampleRequest()
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Stream(b.Context(), req, func(string) error { return nil }); err != nil {
				b.Error(err)
			}
		}
	})
}

func relaxed(c *llm.OpenAIConfig) {
	c.FirstTokenTimeout, c.IdleTimeout, c.TotalTimeout = time.Minute, time.Minute, time.Minute
}

func ptr[T any](v T) *T { return &v }
