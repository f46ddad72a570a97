package llmtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

const key = "gsk_test"

func post(t *testing.T, ctx context.Context, url, auth, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

const body = `{"model":"llama-3.3-70b-versatile","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"hi"}]}`

// events reads every "data: " payload of a stream, checking the framing.
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			t.Fatalf("line %q is not a data line", line)
		}
		out = append(out, strings.TrimPrefix(line, "data: "))
		if sc.Scan(); sc.Text() != "" {
			t.Fatalf("event not followed by a blank line: %q", sc.Text())
		}
	}
	return out
}

func TestStreamIsGroqShaped(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: key})
	srv.Enqueue(llmtest.Reply("Hello", ", world").WithUsage(12, 2))
	res := post(t, t.Context(), srv.URL(), "Bearer "+key, body)
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", res.StatusCode, ct)
	}
	ev := events(t, res.Body)
	if len(ev) != 5 || ev[4] != "[DONE]" {
		t.Fatalf("want role, 2 content, final, [DONE]; got %q", ev)
	}
	for _, want := range []struct {
		i   int
		sub string
	}{
		{0, `"object":"chat.completion.chunk"`},
		{0, `"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`},
		{0, `"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_`},
		{1, `"delta":{"content":"Hello"}`},
		{2, `"delta":{"content":", world"}`},
		{3, `"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_`},
		{3, `"usage":{"queue_time":0.012,"prompt_tokens":12,"prompt_time":0.002,"completion_tokens":2,`},
	} {
		if !strings.Contains(ev[want.i], want.sub) {
			t.Errorf("event %d = %s\nwant it to contain %s", want.i, ev[want.i], want.sub)
		}
	}
	var first struct{ ID string }
	if err := json.Unmarshal([]byte(ev[0]), &first); err != nil || !strings.HasPrefix(first.ID, "chatcmpl-") {
		t.Errorf("first chunk id %q, err %v", first.ID, err)
	}
}

func TestRecordsRequests(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: key})
	io.Copy(io.Discard, post(t, t.Context(), srv.URL(), "Bearer "+key, body).Body)
	reqs := srv.Requests()
	if len(reqs) != 1 || srv.RequestCount() != 1 {
		t.Fatalf("recorded %d requests, counted %d", len(reqs), srv.RequestCount())
	}
	got := reqs[0]
	if got.Method != "POST" || got.Path != "/openai/v1/chat/completions" || got.Body.Model != "llama-3.3-70b-versatile" ||
		!got.Body.Stream || got.Body.MaxTokens != 50 || got.Body.Messages[0].Content != "hi" {
		t.Errorf("recorded %+v", got)
	}
}

func TestRejectsBadKey(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{APIKey: key})
	srv.Enqueue(llmtest.Reply("not for you"))
	res := post(t, t.Context(), srv.URL(), "Bearer nope", body)
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 401 || !strings.Contains(string(b), "invalid_api_key") {
		t.Fatalf("status %d body %s", res.StatusCode, b)
	}
	// The scripted reply is still queued for the next, authorised request.
	ev := events(t, post(t, t.Context(), srv.URL(), "Bearer "+key, body).Body)
	if !strings.Contains(ev[1], "not for you") {
		t.Errorf("queued reply lost: %q", ev)
	}
}

func TestStatusWithRetryAfter(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{})
	srv.Enqueue(llmtest.Status(429).WithRetryAfter(2 * time.Second))
	res := post(t, t.Context(), srv.URL(), "", body)
	if res.StatusCode != 429 || res.Header.Get("retry-after") != "2" {
		t.Fatalf("status %d retry-after %q", res.StatusCode, res.Header.Get("retry-after"))
	}
}

func TestDropAfterBreaksTheBody(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{})
	srv.Enqueue(llmtest.Reply("a", "b", "c").DropAfter(1))
	res := post(t, t.Context(), srv.URL(), "", body)
	b, err := io.ReadAll(res.Body)
	if err == nil || !strings.Contains(string(b), `"content":"a"`) || strings.Contains(string(b), `"content":"b"`) {
		t.Fatalf("read %q, err %v; want chunk a then a read error", b, err)
	}
}

func TestStallEndsWhenClientLeaves(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Options{})
	srv.Enqueue(llmtest.Reply("a").StallBeforeFirst(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := post(t, ctx, srv.URL(), "", body)
	io.Copy(io.Discard, res.Body)
	if time.Since(start) > 2*time.Second {
		t.Fatal("stall outlived the client")
	}
	// Cleanup (srv.Close) would block if the handler were still stalling.
}
