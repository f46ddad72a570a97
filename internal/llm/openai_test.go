package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
)

func TestOpenAIStreamsReplyAndUsage(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("Open ", "Settings ", "[1]", ".").WithUsage(321, 4))
	var c collector
	res, err := newGroq(srv).Stream(t.Context(), sampleRequest(), c.emit)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Open ", "Settings ", "[1]", "."}; !slices.Equal(c.deltas, want) {
		t.Errorf("deltas %q, want %q", c.deltas, want)
	}
	if res.Provider != "groq" || res.Model != "llama-3.3-70b-versatile" {
		t.Errorf("provider %q model %q", res.Provider, res.Model)
	}
	if res.Usage != (llm.Usage{PromptTokens: 321, CompletionTokens: 4}) {
		t.Errorf("usage %+v, want x_groq.usage 321/4", res.Usage)
	}
	if len(res.Citations) != 1 || res.Citations[0].ArticleID != "kb1" {
		t.Errorf("citations %+v, want only kb1 (cited as [1])", res.Citations)
	}
}

func TestOpenAIRequestCarriesModelKeyAndPrompt(t *testing.T) {
	srv := newFake(t)
	if _, _, err := stream(t, newGroq(srv), sampleRequest()); err != nil {
		t.Fatal(err)
	}
	rec := srv.Requests()[0]
	if rec.Header.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("Authorization %q", rec.Header.Get("Authorization"))
	}
	if rec.Body.Model != "llama-3.3-70b-versatile" || !rec.Body.Stream || rec.Body.MaxTokens != 300 {
		t.Errorf("body model %q stream %v max_tokens %d", rec.Body.Model, rec.Body.Stream, rec.Body.MaxTokens)
	}
	prompt := rec.Body.Text()
	inOrder(t, prompt, "You are the support assistant", "[1] Resetting your password", "Open Settings",
		"[2] Email deliverability", "Cannot log in", "reset email never arrives",
		"Hello? Anyone there?", "[Support agent] Looking into it now.", "Still nothing in my inbox.")
	roles := make([]string, len(rec.Body.Messages))
	for i, m := range rec.Body.Messages {
		roles[i] = m.Role
	}
	if want := []string{"system", "user", "user", "assistant", "user"}; !slices.Equal(roles, want) {
		t.Errorf("roles %q, want %q", roles, want)
	}
}

func TestOpenAIRequestOnTheWire(t *testing.T) {
	srv := newFake(t)
	if _, _, err := stream(t, newGroq(srv), sampleRequest()); err != nil {
		t.Fatal(err)
	}
	rec := srv.Requests()[0]
	if rec.Method != http.MethodPost || rec.Path != llmtest.BasePath+"/chat/completions" {
		t.Errorf("%s %s", rec.Method, rec.Path)
	}
	for name, want := range map[string]string{
		"Authorization": "Bearer " + testKey,
		"Content-Type":  "application/json",
		"Accept":        "text/event-stream",
		"User-Agent":    "supportd",
	} {
		if got := rec.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("header %s: %q, want %q", name, got, want)
		}
	}
	// The raw bytes: exactly these four fields, messages of a role and a string content.
	var body map[string]json.RawMessage
	if err := json.Unmarshal(rec.RawBody, &body); err != nil {
		t.Fatalf("body %s: %v", rec.RawBody, err)
	}
	keys := slices.Sorted(maps.Keys(body))
	if want := []string{"max_tokens", "messages", "model", "stream"}; !slices.Equal(keys, want) {
		t.Errorf("body fields %q, want %q", keys, want)
	}
	if string(body["model"]) != `"llama-3.3-70b-versatile"` || string(body["stream"]) != "true" ||
		string(body["max_tokens"]) != "300" {
		t.Errorf("model %s stream %s max_tokens %s", body["model"], body["stream"], body["max_tokens"])
	}
	var msgs []map[string]any
	if err := json.Unmarshal(body["messages"], &msgs); err != nil || len(msgs) != 5 {
		t.Fatalf("messages %s: %v", body["messages"], err)
	}
	for i, m := range msgs {
		role, _ := m["role"].(string)
		content, _ := m["content"].(string)
		if len(m) != 2 || role == "" || content == "" {
			t.Errorf("message %d = %v, want just a role and a string content", i, m)
		}
	}
}

func TestOpenAIBaseURLWithTrailingSlash(t *testing.T) {
	srv := newFake(t)
	p := newGroq(srv, func(c *llm.OpenAIConfig) { c.BaseURL = srv.URL() + "/" })
	if _, text, err := stream(t, p, sampleRequest()); err != nil || text != "Hello, world" {
		t.Fatalf("text %q err %v", text, err)
	}
	if path := srv.Requests()[0].Path; path != llmtest.BasePath+"/chat/completions" {
		t.Errorf("path %q", path)
	}
}

func TestOpenAIWithoutKeySendsNoAuthorization(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{}) // accepts any key, or none
	p := newGroq(srv, func(c *llm.OpenAIConfig) { c.APIKey = "" })
	if _, _, err := stream(t, p, sampleRequest()); err != nil {
		t.Fatal(err)
	}
	if h := srv.Requests()[0].Header; len(h.Values("Authorization")) != 0 {
		t.Errorf("Authorization %q sent without a key", h.Values("Authorization"))
	}
}

// TestOpenAIErrorBodies: whatever an error response's body, the error is a short
// message (the upstream's, else the status text), and a huge body is neither read
// to its end nor waited for.
func TestOpenAIErrorBodies(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	tests := []struct {
		name, body, want string
		endless          bool // the body never ends: only its first 64 KiB may be read
	}{
		{"not JSON", "<html><body><h1>502 Bad Gateway</h1></body></html>", "Bad Gateway", false},
		{"JSON without a message", `{"detail":"upstream connect error"}`, "Bad Gateway", false},
		{"message with whitespace", `{"error":{"message":"  model\n\tbusy  "}}`, "model busy", false},
		{"huge message", `{"error":{"message":"` + huge, "Bad Gateway", true},
		{"huge body after the message", `{"error":{"message":"model overloaded","trace":"` + huge, "model overloaded", true},
		{"huge and not JSON", huge, "Bad Gateway", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadGateway)
				io.WriteString(w, tc.body)
				if tc.endless {
					http.NewResponseController(w).Flush()
					<-r.Context().Done()
				}
			}))
			t.Cleanup(s.Close)
			p := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: s.URL + "/v1", APIKey: testKey,
				FirstTokenTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, TotalTimeout: 5 * time.Second})
			start := time.Now()
			_, _, err := stream(t, p, sampleRequest())
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			ue := upstreamErr(t, err)
			if ue.Status != http.StatusBadGateway || !ue.Retryable || errors.Is(err, llm.ErrTimeout) {
				t.Errorf("got %+v, want a retryable 502", ue)
			}
			if msg := ue.Err.Error(); msg != tc.want {
				t.Errorf("message %.60q (%d bytes), want %q", msg, len(msg), tc.want)
			}
		})
	}
}

// inOrder fails unless each of subs occurs in s after the previous one.
func inOrder(t *testing.T, s string, subs ...string) {
	t.Helper()
	rest := s
	for _, sub := range subs {
		i := strings.Index(rest, sub)
		if i < 0 {
			t.Fatalf("%q missing or out of order in prompt:\n%s", sub, s)
		}
		rest = rest[i+len(sub):]
	}
}

func TestOpenAIMaxTokensIsCapped(t *testing.T) {
	srv := newFake(t)
	for _, tc := range []struct{ asked, want int }{{0, 500}, {100, 100}, {9000, 500}} {
		req := sampleRequest()
		req.MaxTokens = tc.asked
		if _, _, err := stream(t, newGroq(srv), req); err != nil {
			t.Fatal(err)
		}
		if got := srv.Requests()[len(srv.Requests())-1].Body.MaxTokens; got != tc.want {
			t.Errorf("asked %d: max_tokens %d, want %d", tc.asked, got, tc.want)
		}
	}
}

func TestOpenAIIgnoresOpenAIEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-wrong")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_ORG_ID", "org-leak")
	t.Setenv("OPENAI_PROJECT_ID", "proj-leak")
	srv := newFake(t)
	if _, _, err := stream(t, newGroq(srv), sampleRequest()); err != nil {
		t.Fatal(err)
	}
	h := srv.Requests()[0].Header
	if h.Get("OpenAI-Organization") != "" || h.Get("OpenAI-Project") != "" {
		t.Errorf("environment leaked into headers: %v", h)
	}
}

func TestOpenAIHTTPStatuses(t *testing.T) {
	tests := []struct {
		status    int
		retryable bool
	}{
		{400, false}, {401, false}, {403, false}, {404, false}, {413, false}, {422, false},
		{408, true}, {409, true}, {429, true}, {498, true}, {500, true}, {502, true}, {503, true},
	}
	srv := newFake(t)
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv.Enqueue(llmtest.Status(tc.status))
			_, text, err := stream(t, newGroq(srv), sampleRequest())
			ue := upstreamErr(t, err)
			if ue.Status != tc.status || ue.Retryable != tc.retryable || ue.Provider != "groq" {
				t.Errorf("got %+v, want status %d retryable %v", ue, tc.status, tc.retryable)
			}
			if errors.Is(err, llm.ErrInterrupted) || text != "" {
				t.Errorf("an HTTP error is not an interruption: %v, text %q", err, text)
			}
		})
	}
}

func TestOpenAIRateLimitCarriesRetryAfterAndMessage(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Status(429).WithRetryAfter(2 * time.Second))
	_, _, err := stream(t, newGroq(srv), sampleRequest())
	ue := upstreamErr(t, err)
	if ue.RetryAfter != 2*time.Second || !ue.Retryable {
		t.Errorf("got %+v, want retryable with RetryAfter 2s", ue)
	}
	if !strings.Contains(err.Error(), "Rate limit reached") || strings.Contains(err.Error(), testKey) {
		t.Errorf("error text %q: want upstream message, never the key", err)
	}
}

func TestOpenAIMisbehaviour(t *testing.T) {
	long := time.Hour // stalls end when the client gives up
	tests := []struct {
		name        string
		resp        llmtest.Response
		wantText    string
		interrupted bool
		timeout     bool
		wantInError string
	}{
		{"malformed before first token", llmtest.Reply("a", "b").MalformedAt(0), "", false, false, ""},
		{"malformed after tokens", llmtest.Reply("a", "b").MalformedAt(1), "a", true, false, ""},
		{"dropped connection", llmtest.Reply("a", "b", "c").DropAfter(2), "ab", true, false, ""},
		{"dropped before first token", llmtest.Reply("a").DropAfter(0), "", false, false, ""},
		{"stall before first token", llmtest.Reply("a").StallBeforeFirst(long), "", false, true, "first token"},
		{"stall between tokens", llmtest.Reply("a", "b").StallAfter(1, long), "a", true, true, "no data"},
		{"x_groq.error before tokens", llmtest.Reply("a").GroqErrorAfter(0, "model overloaded"), "", false, false, "model overloaded"},
		{"x_groq.error after tokens", llmtest.Reply("a", "b").GroqErrorAfter(1, "model overloaded"), "a", true, false, "model overloaded"},
		{"no [DONE]", llmtest.Reply("a").WithoutDone(), "a", true, false, "[DONE]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			srv.Enqueue(tc.resp)
			start := time.Now()
			_, text, err := stream(t, newGroq(srv), sampleRequest())
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			if text != tc.wantText {
				t.Errorf("text %q, want %q", text, tc.wantText)
			}
			ue := upstreamErr(t, err)
			if errors.Is(err, llm.ErrInterrupted) != tc.interrupted || ue.Retryable == tc.interrupted {
				t.Errorf("err %v: interrupted %v retryable %v, want interrupted %v", err,
					errors.Is(err, llm.ErrInterrupted), ue.Retryable, tc.interrupted)
			}
			if errors.Is(err, llm.ErrTimeout) != tc.timeout {
				t.Errorf("err %v: timeout %v, want %v", err, errors.Is(err, llm.ErrTimeout), tc.timeout)
			}
			if !strings.Contains(err.Error(), tc.wantInError) {
				t.Errorf("err %q does not mention %q", err, tc.wantInError)
			}
		})
	}
}

func TestOpenAISlowButSteadyStreamIsNotIdle(t *testing.T) {
	srv := newFake(t)
	// Each gap is shorter than the idle timeout; the total is longer.
	srv.Enqueue(llmtest.Reply("a", "b", "c", "d", "e").TokenDelay(testIdle / 3))
	_, text, err := stream(t, newGroq(srv), sampleRequest())
	if err != nil || text != "abcde" {
		t.Fatalf("text %q err %v", text, err)
	}
}

func TestOpenAITotalTimeout(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("a", "b", "c", "d").TokenDelay(100 * time.Millisecond))
	p := newGroq(srv, func(c *llm.OpenAIConfig) {
		c.FirstTokenTimeout, c.IdleTimeout, c.TotalTimeout = time.Minute, time.Minute, 200*time.Millisecond
	})
	_, _, err := stream(t, p, sampleRequest())
	if !errors.Is(err, llm.ErrTimeout) || !strings.Contains(err.Error(), "longer than 200ms") {
		t.Fatalf("err %v, want the total timeout", err)
	}
}

func TestOpenAIConnectionRefused(t *testing.T) {
	p := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: closedURL(t), APIKey: testKey})
	_, _, err := stream(t, p, sampleRequest())
	if ue := upstreamErr(t, err); !ue.Retryable || ue.Status != 0 || errors.Is(err, llm.ErrInterrupted) {
		t.Errorf("got %+v, want a retryable connection error", ue)
	}
}

// closedURL returns a base URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	u := s.URL
	s.Close()
	return u + "/openai/v1"
}

func TestOpenAIDoesNotFollowRedirects(t *testing.T) {
	srv, elsewhere := newFake(t), newFake(t)
	srv.Enqueue(llmtest.Status(307).WithHeader("Location", elsewhere.URL()+"/chat/completions"))
	_, _, err := stream(t, newGroq(srv), sampleRequest())
	if ue := upstreamErr(t, err); ue.Status != 307 || ue.Retryable {
		t.Errorf("got %+v, want a non-retryable 307", ue)
	}
	if n := elsewhere.RequestCount(); n != 0 {
		t.Errorf("redirect followed: %d requests (with the key) reached the other host", n)
	}
}

func TestOpenAIStopsWhenEmitFails(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("a", "b", "c"))
	errGone := errors.New("client went away")
	calls := 0
	_, err := newGroq(srv).Stream(t.Context(), sampleRequest(), func(string) error {
		calls++
		return errGone
	})
	if err != errGone || calls != 1 {
		t.Fatalf("err %v after %d calls, want the emit error unchanged after 1 call", err, calls)
	}
}

func TestOpenAICallerCancels(t *testing.T) {
	srv := newFake(t)
	srv.Enqueue(llmtest.Reply("a", "b").StallAfter(1, time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	_, err := newGroq(srv, func(c *llm.OpenAIConfig) { c.IdleTimeout = time.Minute }).
		Stream(ctx, sampleRequest(), func(string) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) || !errors.Is(err, llm.ErrInterrupted) || errors.Is(err, llm.ErrTimeout) {
		t.Fatalf("err %v, want the caller's cancellation after the first token", err)
	}
}

func TestOpenAIAcceptsTopLevelUsage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}`+"\n\n")
		io.WriteString(w, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8}}`+"\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	p := llm.NewOpenAI(llm.OpenAIConfig{Name: "openai", BaseURL: srv.URL + "/v1", Model: "gpt-x"})
	res, text, err := stream(t, p, sampleRequest())
	if err != nil || text != "hi" || res.Usage != (llm.Usage{PromptTokens: 7, CompletionTokens: 1}) {
		t.Fatalf("text %q usage %+v err %v", text, res.Usage, err)
	}
}

// The reply cites the passages it refers to, by number in any of the forms
// models write or by title, once each, in the order it refers to them, and
// none when it refers to none.
func TestOpenAICitesOnlyThePassagesTheReplyRefersTo(t *testing.T) {
	srv := newFake(t)
	req := sampleRequest()
	req.Passages = append(req.Passages, llm.Passage{ArticleID: "kb3", Title: "Two-factor login", Text: "Use a recovery code."})
	for _, c := range []struct {
		reply string
		want  []string
	}{
		{"Please check your spam folder.", nil},
		{"Open Settings [1].", []string{"kb1"}},
		{"Check spam [2].", []string{"kb2"}},
		{"Check spam [2]", []string{"kb2"}},
		{"Reset it [1][3].", []string{"kb1", "kb3"}},
		{"Reset it [3, 1].", []string{"kb3", "kb1"}},
		{"Reset it [1,3].", []string{"kb1", "kb3"}},
		{"Reset it [ 2 ; 3 ].", []string{"kb2", "kb3"}},
		{"First [3]. Then [1]. Again [3] and [1].", []string{"kb3", "kb1"}},
		{"See [4] and [0].", nil},
		{"See [4] and [2].", []string{"kb2"}},
		{"See [99999999999999999999].", nil},
		{"See [ 1 ], not [x] or [].", []string{"kb1"}},
		{"Our guide on email deliverability explains it. Also [1].", []string{"kb2", "kb1"}},
		{"Read RESETTING YOUR PASSWORD [2].", []string{"kb1", "kb2"}},
	} {
		srv.Enqueue(llmtest.Reply(c.reply))
		res, _, err := stream(t, newGroq(srv), req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Citations {
			got = append(got, p.ArticleID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q cites %q, want %q", c.reply, got, c.want)
		}
	}
}

// A number refers to the passages the prompt kept: those dropped for the
// budget cannot be cited.
func TestOpenAIIgnoresNumbersOfPassagesLeftOutOfThePrompt(t *testing.T) {
	srv := newFake(t)
	req := sampleRequest()
	req.Passages[1].Text = strings.Repeat("long passage ", 2000)
	srv.Enqueue(llmtest.Reply("Check spam [2] and reset [1]."))
	p := newGroq(srv, func(c *llm.OpenAIConfig) { c.PromptTokens = 600 })
	res, _, err := stream(t, p, req)
	if err != nil || len(res.Citations) != 1 || res.Citations[0].ArticleID != "kb1" {
		t.Fatalf("citations %+v err %v, want kb1 only", res.Citations, err)
	}
	if prompt := srv.Requests()[0].Body.Text(); !strings.Contains(prompt, "[1] Resetting") || strings.Contains(prompt, "Email deliverability") {
		t.Fatalf("the budget should keep passage 1 only: %s", prompt)
	}
}

// rawSSE serves body verbatim as a streaming chat completion, for wire details
// the scripted fake does not produce.
func rawSSE(t *testing.T, body string) *llm.OpenAI {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return llm.NewOpenAI(llm.OpenAIConfig{BaseURL: s.URL + "/openai/v1", APIKey: testKey, Model: "m",
		FirstTokenTimeout: testFirstToken, IdleTimeout: testIdle, TotalTimeout: 5 * time.Second})
}

func TestOpenAIChunkDecoding(t *testing.T) {
	body := ": keep-alive comment\r\n\r\n" +
		"event: message\r\ndata: {\"model\":\"served-model\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n" +
		"data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other choice\"}},{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\\"you\\\"\"}}]}\n\n" +
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\n" +
		"data: [DONE]\n\n"
	res, text, err := stream(t, rawSSE(t, body), sampleRequest())
	if err != nil {
		t.Fatal(err)
	}
	if text != `Hello "you"` {
		t.Errorf("text %q: want choice 0's deltas only, unescaped", text)
	}
	if res.Model != "served-model" || res.Usage != (llm.Usage{PromptTokens: 7, CompletionTokens: 3}) {
		t.Errorf("model %q usage %+v", res.Model, res.Usage)
	}
}

func TestOpenAIErrorEventEndsStream(t *testing.T) {
	body := "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n" +
		"data: {\"error\":{\"message\":\"internal failure\"}}\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}\n\n" +
		"data: [DONE]\n\n"
	_, text, err := stream(t, rawSSE(t, body), sampleRequest())
	if text != "a" || !errors.Is(err, llm.ErrInterrupted) || !strings.Contains(err.Error(), "internal failure") {
		t.Errorf("text %q err %v: want the stream to end at the error event", text, err)
	}
}
