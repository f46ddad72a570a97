package app_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// The caller's trace, continued by the reply request (W3C traceparent).
const (
	callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceparent   = "00-" + callerTraceID + "-00f067aa0ba902b7-01"
)

// One AI reply that falls back from the upstream to the built-in responder makes
// one span tree: the request, the reply under it, and under the reply the
// retrieval, the reply row's insert, each provider attempt and the final write.
// The reply's log lines, written after the request ended, carry the trace id.
func TestAIReplySpanTree(t *testing.T) {
	for _, engine := range engines(t) {
		for path, env := range map[string]map[string]string{"default": nil, "handoff": handoffOn} {
			t.Run(engine+"/"+path, func(t *testing.T) {
				t.Parallel()
				spans := tracetest.NewSpanRecorder()
				logs := &logBuffer{}
				in, fake := withUpstreamOptions(t, engine, env, appOptions{log: logs,
					tracer: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
				fake.Enqueue(llmtest.Status(503), llmtest.Status(503), llmtest.Status(503))
				u := in.newUser()
				tk := in.createTicket(u.Token, "Refund", "How do I get my money back?")
				evs := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"traceparent": traceparent}).all(t)
				if evs[len(evs)-1].Event != "done" {
					t.Fatalf("reply ended with %+v", evs[len(evs)-1])
				}
				in.app.Assistant.Wait()
				tree := waitForSpan(t, spans, "GET /tickets/{id}/ai-response")
				checkReplyTree(t, tree)
				checkReplyLogs(t, logs)
			})
		}
	}
}

// withUpstreamOptions is withUpstream with the harness's options.
func withUpstreamOptions(t *testing.T, engine string, env map[string]string, o appOptions) (*instance, *llmtest.Server) {
	t.Helper()
	fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
	cfg := map[string]string{"GROQ_API_KEY": "gsk_test", "GROQ_BASE_URL": fake.URL(), "GROQ_MODEL": "test-model",
		"AI_PROVIDERS": "groq,builtin", "AI_FIRST_TOKEN_TIMEOUT": "2s", "AI_IDLE_TIMEOUT": "1s"}
	maps.Copy(cfg, env)
	return startApp(t, engine, cfg, o), fake
}

// spanTree is the ended spans of one trace, by parent.
type spanTree struct {
	root     sdktrace.ReadOnlySpan
	children map[string][]sdktrace.ReadOnlySpan // by parent span id
}

// waitForSpan waits until the span named root has ended (a request's span ends
// just after its client has read the response) and returns the tree under it.
func waitForSpan(t *testing.T, spans *tracetest.SpanRecorder, root string) spanTree {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tree := spanTree{children: map[string][]sdktrace.ReadOnlySpan{}}
		for _, s := range spans.Ended() {
			if s.Name() == root {
				tree.root = s
			}
			tree.children[s.Parent().SpanID().String()] = append(tree.children[s.Parent().SpanID().String()], s)
		}
		if tree.root != nil {
			return tree
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span %q ended", root)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (tr spanTree) under(s sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	return tr.children[s.SpanContext().SpanID().String()]
}

func checkReplyTree(t *testing.T, tree spanTree) {
	t.Helper()
	root := tree.root
	if got := root.SpanContext().TraceID().String(); got != callerTraceID {
		t.Errorf("request span's trace %s, want the caller's %s", got, callerTraceID)
	}
	if !root.Parent().IsRemote() || attr(root, "http.route") != "/tickets/{id}/ai-response" ||
		attr(root, "http.response.status_code") != "200" {
		t.Errorf("request span: remote parent %v, attributes %v", root.Parent().IsRemote(), root.Attributes())
	}
	replies := tree.under(root)
	if len(replies) != 1 || replies[0].Name() != "ai.reply" {
		t.Fatalf("under the request: %v, want one ai.reply", names(replies))
	}
	reply := replies[0]
	if attr(reply, "reply.status") != "completed" || attr(reply, "llm.provider") != "builtin" || attr(reply, "reply.id") == "" {
		t.Errorf("ai.reply attributes %v", reply.Attributes())
	}
	steps := tree.under(reply)
	want := []string{"kb.retrieve", "llm.attempt builtin 1 Unset", "llm.attempt groq 1 Error", "llm.attempt groq 2 Error",
		"llm.attempt groq 3 Error", "store.finish_reply", "store.start_reply"} // sorted
	var got []string
	for _, s := range steps {
		name := s.Name()
		if name == "llm.attempt" {
			name += " " + attr(s, "llm.provider") + " " + attr(s, "llm.attempt") + " " + s.Status().Code.String()
		}
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("under ai.reply:\n got %q\nwant %q", got, want)
	}
	for _, s := range steps {
		if s.Name() == "llm.attempt" && s.Status().Code == codes.Error && !strings.Contains(s.Status().Description, "503") {
			t.Errorf("failed attempt's status %q does not say 503", s.Status().Description)
		}
	}
}

// The reply's warnings (retries, fallback) come from the generation, which
// outlives the request; they carry its trace and request ids.
func checkReplyLogs(t *testing.T, logs *logBuffer) {
	t.Helper()
	retries := logs.Lines("llm attempt failed, retrying")
	if len(retries) != 2 {
		t.Fatalf("%d retry lines, want 2:\n%s", len(retries), logs)
	}
	for _, line := range append(retries, logs.Lines("trying the next one")...) {
		if !strings.Contains(line, `"trace_id":"`+callerTraceID+`"`) || !strings.Contains(line, `"request_id":"`) {
			t.Errorf("generation's log line without the trace and request ids: %s", line)
		}
	}
	req := logs.Lines(`"msg":"request"`, `"route":"GET /tickets/{id}/ai-response"`)
	if len(req) != 1 || !strings.Contains(req[0], callerTraceID) {
		t.Errorf("request line %q, want one with the trace id", req)
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// Every request gets a server span named by its route, unmatched ones by their
// method alone, and without a sampled exporter none is recorded; trace ids
// reach the log either way.
func TestRequestSpans(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	logs := &logBuffer{}
	in := startApp(t, "sqlite", nil, appOptions{log: logs, tracer: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
	u := in.newUser()
	expect(t, in.call(http.MethodGet, "/tickets", u.Token, nil), http.StatusOK)
	expect(t, in.call(http.MethodGet, "/no/such/path", "", nil), http.StatusNotFound)
	waitForSpan(t, spans, "GET /tickets")
	waitForSpan(t, spans, "GET")
	for _, s := range spans.Ended() {
		if s.Name() == "GET" && attr(s, "http.route") != "" {
			t.Errorf("unmatched request's span has a route: %v", s.Attributes())
		}
	}

	if all, traced := len(logs.Lines(`"msg":"request"`)), len(logs.Lines(`"msg":"request"`, `"trace_id":"`)); traced != all || all < 3 {
		t.Errorf("%d request lines, %d with a trace id: want every one", all, traced)
	}

	// No exporter configured: spans are not recorded, their trace ids still logged.
	unsampledLogs := &logBuffer{}
	unsampled := startApp(t, "sqlite", nil, appOptions{log: unsampledLogs})
	expect(t, unsampled.call(http.MethodGet, "/healthz", "", nil), http.StatusOK)
	if lines := unsampledLogs.Lines(`"msg":"request"`, `"route":"GET /healthz"`, `"trace_id":"`); len(lines) != 1 {
		t.Errorf("no trace id in the request line without an exporter:\n%s", unsampledLogs)
	}
}
