package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

// withUpstream starts an instance whose provider chain is the fake Groq upstream,
// then the built-in responder.
func withUpstream(t *testing.T, engine string, env map[string]string) (*instance, *llmtest.Server) {
	t.Helper()
	fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
	cfg := map[string]string{"GROQ_API_KEY": "gsk_test", "GROQ_BASE_URL": fake.URL(), "GROQ_MODEL": "test-model",
		"AI_PROVIDERS": "groq,builtin", "AI_FIRST_TOKEN_TIMEOUT": "2s", "AI_IDLE_TIMEOUT": "1s", "AI_MAX_TOKENS": "321"}
	for k, v := range env {
		cfg[k] = v
	}
	return start(t, engine, cfg), fake
}

// forEachEngineUpstream runs f on every engine with a fake upstream.
func forEachEngineUpstream(t *testing.T, env map[string]string, f func(t *testing.T, in *instance, fake *llmtest.Server)) {
	t.Helper()
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			in, fake := withUpstream(t, engine, env)
			f(t, in, fake)
		})
	}
}

func aiPath(ticketID string) string { return "/tickets/" + ticketID + "/ai-response" }

func (in *instance) thread(token, ticketID string) ticketJSON {
	in.t.Helper()
	r := in.call(http.MethodGet, "/tickets/"+ticketID, token, nil)
	expect(in.t, r, 200)
	var tk ticketJSON
	r.json(in.t, &tk)
	return tk
}

// aiMessages returns the AI messages of a ticket.
func (in *instance) aiMessages(token, ticketID string) []messageJSON {
	in.t.Helper()
	var out []messageJSON
	for _, m := range in.thread(token, ticketID).Messages {
		if m.Sender == "ai" {
			out = append(out, m)
		}
	}
	return out
}

// waitAIMessages polls until the ticket has n AI messages.
func (in *instance) waitAIMessages(token, ticketID string, n int) []messageJSON {
	in.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if msgs := in.aiMessages(token, ticketID); len(msgs) >= n {
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.t.Fatalf("no %d AI messages on ticket %s", n, ticketID)
	return nil
}

func TestAIReplyStreamsAndIsStored(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Reply("Thanks for ", "reaching out", ", Ada!").WithUsage(42, 7))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Cannot log in", "The page spins forever")
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "first follow-up"}), 201)
		expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "second follow-up"}), 201)

		s := in.openStream(aiPath(tk.ID), u.Token, nil)
		if ct := s.resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" || s.resp.Header.Get("Cache-Control") != "no-cache" ||
			s.resp.Header.Get("X-Accel-Buffering") != "no" {
			t.Fatalf("stream headers %v", s.resp.Header)
		}
		evs := s.all(t)
		if len(evs) != 4 || evs[3].Event != "done" {
			t.Fatalf("events %+v", evs)
		}
		text := joinDeltas(t, evs[:3], 1)
		var done struct {
			MessageID string `json:"message_id"`
			Content   string `json:"content"`
		}
		json.Unmarshal([]byte(evs[3].Data), &done)
		if text != "Thanks for reaching out, Ada!" || done.Content != text || evs[3].ID != 4 {
			t.Fatalf("deltas %q, done %+v", text, done)
		}
		msgs := in.aiMessages(u.Token, tk.ID)
		if len(msgs) != 1 || msgs[0].Content != text || msgs[0].ID != done.MessageID {
			t.Fatalf("stored %+v", msgs)
		}
		checkAccounting(t, in.call(http.MethodGet, "/tickets/"+tk.ID, in.newStaff(support.RoleAgent).Token, nil))
		checkUpstreamRequest(t, fake.Requests()[0], []string{"Cannot log in", "The page spins forever", "first follow-up", "second follow-up"})
	})
}

func checkAccounting(t *testing.T, r response) {
	t.Helper()
	var tk struct{ Messages []json.RawMessage }
	r.json(t, &tk)
	raw := tk.Messages[len(tk.Messages)-1]
	var m struct {
		AI struct {
			Provider         string `json:"provider"`
			Model            string `json:"model"`
			PromptTokens     int    `json:"prompt_tokens"`
			CompletionTokens int    `json:"completion_tokens"`
			TotalMS          *int64 `json:"total_ms"`
			TTFT             *int64 `json:"time_to_first_token_ms"`
			Citations        []any  `json:"citations"`
		} `json:"ai"`
	}
	json.Unmarshal(raw, &m)
	if m.AI.Provider != "groq" || m.AI.Model != "test-model" || m.AI.PromptTokens != 42 || m.AI.CompletionTokens != 7 ||
		m.AI.TotalMS == nil || m.AI.TTFT == nil || m.AI.Citations == nil {
		t.Errorf("accounting %+v from %s", m.AI, raw)
	}
}

func checkUpstreamRequest(t *testing.T, req llmtest.RecordedRequest, wantInOrder []string) {
	t.Helper()
	if req.Header.Get("Authorization") != "Bearer gsk_test" {
		t.Errorf("Authorization %q", req.Header.Get("Authorization"))
	}
	raw := string(req.RawBody)
	for _, want := range []string{`"model":"test-model"`, `"stream":true`, `"max_tokens":321`} {
		if !strings.Contains(strings.ReplaceAll(raw, " ", ""), want) {
			t.Errorf("upstream body lacks %s: %s", want, raw)
		}
	}
	pos := 0
	for _, want := range wantInOrder {
		i := strings.Index(raw[pos:], want)
		if i < 0 {
			t.Fatalf("prompt lacks %q after position %d: %s", want, pos, raw)
		}
		pos += i + len(want)
	}
}

func TestAIReplySurvivesDisconnect(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		deltas := strings.Fields("one two three four five six seven eight nine ten")
		fake.Enqueue(llmtest.Reply(spaced(deltas)...).TokenDelay(30 * time.Millisecond))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Disconnect", "")
		got := in.openStream(aiPath(tk.ID), u.Token, nil).take(t, 2)
		msgs := in.waitAIMessages(u.Token, tk.ID, 1)
		if msgs[0].Content != strings.Join(spaced(deltas), "") {
			t.Fatalf("stored %q after client left at %+v", msgs[0].Content, got)
		}
	})
}

func spaced(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w + " "
	}
	return out
}

func TestAIReplyResumesWithLastEventID(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		deltas := spaced(strings.Fields("alpha beta gamma delta epsilon zeta eta theta"))
		fake.Enqueue(llmtest.Reply(deltas...).TokenDelay(40 * time.Millisecond))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Resume", "")

		head := in.openStream(aiPath(tk.ID), u.Token, nil).take(t, 3)
		live := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "3"}).all(t)
		full := joinDeltas(t, append(head, live...), 1)
		if live[len(live)-1].Event != "done" || full != strings.Join(deltas, "") {
			t.Fatalf("resumed %q, events %+v", full, live)
		}
		stored := in.waitAIMessages(u.Token, tk.ID, 1)[0].Content
		if stored != full {
			t.Fatalf("stored %q, streamed %q", stored, full)
		}

		// After the reply ended: replay from the database, exactly the missed events.
		tail := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "5"}).all(t)
		if joinDeltas(t, tail, 6); tail[0].ID != 6 || tail[len(tail)-1].Event != "done" {
			t.Fatalf("replay after end %+v", tail)
		}
		end := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": fmt.Sprint(len(deltas) + 1)})
		if end.resp.StatusCode != http.StatusNoContent {
			t.Fatalf("resume after done: status %d", end.resp.StatusCode)
		}
		bad := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "abc"})
		if bad.resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad Last-Event-ID: status %d", bad.resp.StatusCode)
		}
		if fake.RequestCount() != 1 {
			t.Errorf("upstream called %d times, want 1", fake.RequestCount())
		}
	})
}

func TestConcurrentRequestsShareOneGeneration(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Reply(spaced(strings.Fields("only one reply please"))...).TokenDelay(30 * time.Millisecond))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Twice", "")
		var wg sync.WaitGroup
		texts := make([]string, 2)
		for i := range texts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				texts[i] = joinDeltas(t, in.openStream(aiPath(tk.ID), u.Token, nil).all(t), 1)
			}()
		}
		wg.Wait()
		time.Sleep(50 * time.Millisecond)
		msgs := in.aiMessages(u.Token, tk.ID)
		if len(msgs) != 1 || texts[0] != texts[1] || texts[0] != msgs[0].Content || fake.RequestCount() != 1 {
			t.Fatalf("messages %d, texts %q, upstream calls %d", len(msgs), texts, fake.RequestCount())
		}
	})
}

func TestAIOutageFallsBackToBuiltin(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Status(503), llmtest.Status(503), llmtest.Status(503))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Outage", "Is anyone there?")
		// Staff see which provider answered; customers do not.
		evs := in.openStream(aiPath(tk.ID), in.newStaff(support.RoleAgent).Token, nil).all(t)
		last := evs[len(evs)-1]
		if last.Event != "done" || !strings.Contains(last.Data, `"provider":"builtin"`) {
			t.Fatalf("final event %+v", last)
		}
		if msgs := in.aiMessages(u.Token, tk.ID); len(msgs) != 1 || msgs[0].Content != joinDeltas(t, evs[:len(evs)-1], 1) {
			t.Fatalf("stored %+v", msgs)
		}
	})
}

func TestAIUpstreamMisbehaviour(t *testing.T) {
	cases := []struct {
		name     string
		upstream []llmtest.Response
		want     string // final event
		provider string // for done
	}{
		{"429 with retry-after then success", []llmtest.Response{llmtest.Status(429).WithRetryAfter(100 * time.Millisecond), llmtest.Reply("ok")}, "done", "groq"},
		{"500 then success", []llmtest.Response{llmtest.Status(500), llmtest.Reply("ok")}, "done", "groq"},
		{"stall before first token", []llmtest.Response{llmtest.Reply("late").StallBeforeFirst(5 * time.Second), llmtest.Reply("ok")}, "done", "groq"},
		{"malformed chunk before first token", []llmtest.Response{llmtest.Reply("x").MalformedAt(0), llmtest.Reply("ok")}, "done", "groq"},
		{"malformed chunk mid-stream", []llmtest.Response{llmtest.Reply("a", "b", "c").MalformedAt(2)}, "error", ""},
		{"connection dropped mid-stream", []llmtest.Response{llmtest.Reply("a", "b", "c").DropAfter(2)}, "error", ""},
		{"stall between tokens", []llmtest.Response{llmtest.Reply("a", "b", "c").StallAfter(1, 5*time.Second)}, "error", ""},
		{"x_groq.error mid-stream", []llmtest.Response{llmtest.Reply("a", "b", "c").GroqErrorAfter(1, "over capacity")}, "error", ""},
		{"401 goes to the fallback", []llmtest.Response{llmtest.Status(401)}, "done", "builtin"},
	}
	in, fake := withUpstream(t, "sqlite", nil)
	u := in.newStaff(support.RoleAgent) // staff see which provider answered
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake.Enqueue(c.upstream...)
			tk := in.createTicket(u.Token, c.name, "")
			evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
			last := evs[len(evs)-1]
			if last.Event != c.want || (c.provider != "" && !strings.Contains(last.Data, `"provider":"`+c.provider+`"`)) {
				t.Fatalf("final event %+v", last)
			}
			joinDeltas(t, evs, 1)
			msgs := in.aiMessages(u.Token, tk.ID)
			if c.want == "error" && len(msgs) != 0 {
				t.Fatalf("a failed reply was stored as a message: %+v", msgs)
			}
			if c.want == "done" && len(msgs) != 1 {
				t.Fatalf("completed reply stored %d times", len(msgs))
			}
		})
	}
}

// A reply that fails before its first token, with no provider left to fall back on,
// is an ordinary 503 problem with Retry-After, not a stream of one error event.
func TestReplyUnavailableBeforeFirstToken(t *testing.T) {
	forEachEngineUpstream(t, map[string]string{"AI_PROVIDERS": "groq"}, func(t *testing.T, in *instance, fake *llmtest.Server) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Printer on fire", "It smokes when I print.")
		fake.Enqueue(llmtest.Status(401).WithBody(`{"error":{"message":"Invalid API Key gsk_test","type":"invalid_request_error","code":"invalid_api_key"}}`))
		r := in.call(http.MethodGet, aiPath(tk.ID), u.Token, nil)
		expect(t, r, http.StatusServiceUnavailable)
		r.detail(t)
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("Content-Type = %q, want application/problem+json", ct)
		}
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After = %q, want a positive number of seconds", r.header.Get("Retry-After"))
		}
		if strings.Contains(string(r.body), "gsk_test") || strings.Contains(string(r.body), "Invalid API Key") {
			t.Errorf("the upstream's error leaks to the client: %s", r.body)
		}
		if msgs := in.aiMessages(u.Token, tk.ID); len(msgs) != 0 {
			t.Fatalf("a failed reply was stored as a message: %+v", msgs)
		}

		// The provider is back: the next request streams a reply.
		fake.Enqueue(llmtest.Reply("Unplug it ", "first."))
		evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
		if last := evs[len(evs)-1]; last.Event != "done" {
			t.Fatalf("final event %+v, want done", last)
		}
		if got := joinDeltas(t, evs, 1); got != "Unplug it first." {
			t.Fatalf("reply %q", got)
		}
	})
}
