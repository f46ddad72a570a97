package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/llm"
	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

// aiCapsEnv lifts the limits these tests are not about.
var aiCapsEnv = map[string]string{"AI_CONCURRENT_STREAMS": "100"}

func withEnv(base, extra map[string]string) map[string]string {
	env := map[string]string{}
	for _, m := range []map[string]string{base, extra} {
		for k, v := range m {
			env[k] = v
		}
	}
	return env
}

// A model answering 10 MB: the reply stops at AI_MAX_REPLY_BYTES on a UTF-8
// boundary, the upstream stream is abandoned rather than read to its end, the
// stored reply and the done event say it was truncated, and the next prompt
// stays within its token budget.
func TestAIReplyCappedAtMaxSize(t *testing.T) {
	const maxBytes = 16 << 10
	env := withEnv(aiCapsEnv, map[string]string{"AI_MAX_REPLY_BYTES": strconv.Itoa(maxBytes)})
	forEachEngineUpstream(t, env, func(t *testing.T, in *instance, fake *llmtest.Server) {
		delta := strings.Repeat("€", 341)             // 1,023 bytes: the cap falls inside a rune
		deltas := make([]string, (10<<20)/len(delta)) // 10 MB in all
		for i := range deltas {
			deltas[i] = delta
		}
		fake.Enqueue(llmtest.Reply(deltas...))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Tell me everything", "")
		evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
		last := evs[len(evs)-1]
		text := joinDeltas(t, evs[:len(evs)-1], 1)
		if last.Event != "done" || len(text) > maxBytes || len(text) < maxBytes-3 || !utf8.ValidString(text) {
			t.Fatalf("final event %s; streamed %d bytes (valid UTF-8: %v), want at most %d", last.Event, len(text), utf8.ValidString(text), maxBytes)
		}
		var done struct {
			MessageID string `json:"message_id"`
			Content   string `json:"content"`
			Truncated *bool  `json:"truncated"`
		}
		if err := json.Unmarshal([]byte(last.Data), &done); err != nil || done.Truncated == nil || !*done.Truncated || done.Content != text {
			t.Fatalf("done event %.200s: %v", last.Data, err)
		}
		var truncated bool
		var stored string
		if err := in.app.DB.SQL().QueryRow(`SELECT truncated, content FROM ai_replies WHERE id = $1`, done.MessageID).Scan(&truncated, &stored); err != nil ||
			!truncated || stored != text {
			t.Fatalf("stored reply: truncated %v, %d bytes, %v", truncated, len(stored), err)
		}
		if msgs := in.aiMessages(u.Token, tk.ID); len(msgs) != 1 || msgs[0].Content != text {
			t.Fatalf("AI messages %d", len(msgs))
		}
		// The upstream stream was cancelled, not read to its end.
		res := waitStreamResults(t, fake, 1)
		if res[0].Complete || res[0].ContentChunks >= len(deltas)/2 {
			t.Fatalf("upstream stream %+v of %d chunks: read to the end", res[0], len(deltas))
		}

		// The next reply's prompt holds the capped reply, shortened to fit the budget.
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "Shorter, please."}), 201)
		fake.Enqueue(llmtest.Reply("Sure."))
		if evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
			t.Fatalf("next reply: %+v", evs[len(evs)-1])
		}
		reqs := fake.Requests()
		next := reqs[len(reqs)-1].Body
		tokens := 0
		for _, m := range next.Messages {
			tokens += llm.EstimateTokens(m.Content) + 4
		}
		if tokens > llm.DefaultPromptTokens || !strings.Contains(next.Text(), "Shorter, please.") || !strings.Contains(next.Text(), "€€€€") {
			t.Fatalf("next prompt ~%d tokens (budget %d), %d bytes", tokens, llm.DefaultPromptTokens, len(reqs[len(reqs)-1].RawBody))
		}
	})
}

// waitStreamResults waits until the fake upstream has ended n streams (it notices
// a client that left at its next write).
func waitStreamResults(t *testing.T, fake *llmtest.Server, n int) []llmtest.StreamResult {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res := fake.StreamResults(); len(res) >= n {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fake upstream ended %d streams, want %d", len(fake.StreamResults()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The global budget counts every user's replies in the database and answers
// 429 with Retry-After and a detail of its own once it is spent.
func TestGlobalAIBudget(t *testing.T) {
	env := withEnv(aiCapsEnv, map[string]string{"AI_REPLIES_PER_HOUR_GLOBAL": "3", "AI_REPLIES_PER_HOUR": "2"})
	forEachEngineUpstream(t, env, func(t *testing.T, in *instance, fake *llmtest.Server) {
		ada, bob := in.newUser(), in.newUser()
		for _, u := range []user{ada, ada, bob} {
			tk := in.createTicket(u.Token, "Question", "")
			if evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
				t.Fatalf("reply within the budget: %+v", evs[len(evs)-1])
			}
		}
		// Ada has spent her own limit: hers is the per-user answer.
		r := in.call(http.MethodGet, aiPath(in.createTicket(ada.Token, "More", "").ID), ada.Token, nil)
		expect(t, r, http.StatusTooManyRequests)
		if d := r.detail(t); !strings.Contains(d, "AI reply limit reached (2 per hour)") {
			t.Errorf("per-user detail %q", d)
		}
		// Bob has one reply left of his own, but the service has none.
		r = in.call(http.MethodGet, aiPath(in.createTicket(bob.Token, "More", "").ID), bob.Token, nil)
		expect(t, r, http.StatusTooManyRequests)
		if d := r.detail(t); !strings.Contains(d, "the service's AI reply budget for this hour is spent") {
			t.Errorf("global detail %q", d)
		}
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 3600 {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		if fake.RequestCount() != 3 {
			t.Errorf("%d upstream requests, want 3", fake.RequestCount())
		}
	})
}

// The per-user hourly limit holds under concurrent requests: of limit+5 reply
// requests sent at once by one user, exactly limit get a reply.
func TestAIReplyLimitHoldsUnderConcurrency(t *testing.T) {
	const limit = 3
	env := withEnv(aiCapsEnv, map[string]string{"AI_REPLIES_PER_HOUR": strconv.Itoa(limit)})
	forEachEngineUpstream(t, env, func(t *testing.T, in *instance, fake *llmtest.Server) {
		u := in.newUser()
		paths := make([]string, limit+5)
		for i := range paths {
			paths[i] = in.url + aiPath(in.createTicket(u.Token, "Concurrent "+strconv.Itoa(i), "").ID)
		}
		statuses := make(chan int, len(paths))
		var wg sync.WaitGroup
		for _, p := range paths {
			wg.Go(func() { statuses <- streamStatus(p, u.Token) })
		}
		wg.Wait()
		close(statuses)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		if counts[http.StatusOK] != limit || counts[http.StatusTooManyRequests] != 5 {
			t.Fatalf("statuses %v; want %d × 200 and 5 × 429", counts, limit)
		}
	})
}

// streamStatus requests a reply stream, reads it to its end and returns the
// status (0 on a transport error); safe outside the test's goroutine.
func streamStatus(url, token string) int {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// Customers see an AI reply and its citations; the accounting (provider, model,
// tokens, timings) only staff see, in the thread and in the done event.
func TestAIAccountingIsForStaffOnly(t *testing.T) {
	forEachEngineUpstream(t, aiCapsEnv, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Reply("Try ", "again.").WithUsage(42, 7))
		u := in.newUser()
		agent := in.newStaff(support.RoleAgent)
		tk := in.createTicket(u.Token, "Cannot log in", "")
		evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
		accounting := []string{`"provider"`, `"model"`, `"prompt_tokens"`, `"completion_tokens"`, `"total_ms"`, `"time_to_first_token_ms"`}
		customerDone := evs[len(evs)-1].Data
		checkFields(t, "customer's done event", customerDone, []string{`"content"`, `"citations"`, `"truncated":false`, `"message_id"`}, accounting)
		// Resumed, from the database, it is filtered the same way.
		resumed := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "1"}).all(t)
		checkFields(t, "customer's resumed done event", resumed[len(resumed)-1].Data, []string{`"citations"`}, accounting)
		staffResumed := in.openStream(aiPath(tk.ID), agent.Token, map[string]string{"Last-Event-ID": "1"}).all(t)
		checkFields(t, "staff's done event", staffResumed[len(staffResumed)-1].Data, []string{`"provider":"groq"`, `"prompt_tokens":42`, `"citations"`}, nil)

		customerView := aiMessageJSON(t, in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil))
		checkFields(t, "customer's thread", customerView, []string{`"citations":[`, `"truncated":false`}, accounting)
		staffView := aiMessageJSON(t, in.call(http.MethodGet, "/tickets/"+tk.ID, agent.Token, nil))
		checkFields(t, "staff's thread", staffView, append([]string{`"citations":[`, `"prompt_tokens":42`, `"completion_tokens":7`}, accounting...), nil)
	})
}

// aiMessageJSON returns the "ai" object of the thread's last message.
func aiMessageJSON(t *testing.T, r response) string {
	t.Helper()
	expect(t, r, http.StatusOK)
	var tk struct {
		Messages []struct {
			AI json.RawMessage `json:"ai"`
		} `json:"messages"`
	}
	r.json(t, &tk)
	if len(tk.Messages) == 0 {
		t.Fatalf("no messages in %s", r.body)
	}
	return string(tk.Messages[len(tk.Messages)-1].AI)
}

func checkFields(t *testing.T, what, data string, want, unwanted []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(data, w) {
			t.Errorf("%s lacks %s: %s", what, w, data)
		}
	}
	for _, u := range unwanted {
		if strings.Contains(data, u) {
			t.Errorf("%s shows %s: %s", what, u, data)
		}
	}
}
