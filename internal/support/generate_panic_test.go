package support

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/logging/logtest"
)

// panickingGen emits deltas, then panics, as a provider with a bug would.
type panickingGen struct{ deltas []string }

func (p panickingGen) Stream(_ context.Context, _ llm.Request, emit func(string) error) (llm.Result, error) {
	for _, d := range p.deltas {
		_ = emit(d)
	}
	panic("provider bug")
}

// finishStore records FinishReply; its other methods are never called here. With
// panics set, FinishReply panics instead (a store bug while concluding).
type finishStore struct {
	ReplyStore
	mu     sync.Mutex
	got    []AIReply
	panics bool
}

func (s *finishStore) FinishReply(_ context.Context, r *AIReply, _ *Message, _ int) error {
	if s.panics {
		panic("store bug")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, *r)
	return nil
}

// A panic in the generation goroutine fails that reply (stored as failed, its
// streams ended with an error event) and is logged with its stack; the process
// goes on. generate is what `go a.generate(...)` runs, called here directly.
func TestGenerationPanicIsRecovered(t *testing.T) {
	for _, c := range []struct {
		name        string
		storePanics bool
	}{{"in the provider", false}, {"while storing the outcome", true}} {
		t.Run(c.name, func(t *testing.T) {
			var log logtest.Buffer
			store := &finishStore{panics: c.storePanics}
			a := NewAssistant(AssistantConfig{}, AssistantDeps{Tickets: &TicketService{}, Replies: store,
				Gen: panickingGen{deltas: []string{"Hel", "lo"}}, Log: slog.New(slog.NewJSONHandler(&log, nil)),
				Now: time.Now, NewID: func() string { return "id" }})
			g := newGeneration()
			a.claim("t1")
			a.bg.Add(1)
			a.generate(context.Background(), g, &AIReply{ID: "r1", TicketID: "t1"}, llm.Request{})

			evs, final, _ := g.from(0)
			if !final || len(evs) != 3 || evs[2].Kind != EventError {
				t.Fatalf("events %+v (final %v); want two deltas and an error event", evs, final)
			}
			if !strings.Contains(log.String(), `"msg":"panic"`) || !strings.Contains(log.String(), "goroutine ") ||
				!strings.Contains(log.String(), "generate_panic_test.go") {
				t.Fatalf("no panic with its stack in the log:\n%s", log.String())
			}
			if !c.storePanics && (len(store.got) != 1 || store.got[0].Status != ReplyFailed ||
				!strings.Contains(store.got[0].Error, "provider bug")) {
				t.Fatalf("stored %+v; want the reply failed with the panic", store.got)
			}
			a.Wait() // bg was released
		})
	}
}
