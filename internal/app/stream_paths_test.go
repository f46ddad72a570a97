package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// handoffOn turns on the opt-in stream hand-off (internal/httpapi/sse_handoff.go).
var handoffOn = map[string]string{"STREAM_HANDOFF": "true"}

// streamPaths are the two ways a reply stream is written: through net/http's
// ResponseWriter (the default) and handed off on the hijacked connection.
var streamPaths = []struct {
	name string
	env  map[string]string
}{{"default", nil}, {"handoff", handoffOn}}

// forEachStreamPath runs f once per stream path, with the env selecting it.
func forEachStreamPath(t *testing.T, f func(t *testing.T, env map[string]string)) {
	t.Helper()
	for _, p := range streamPaths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			f(t, p.env)
		})
	}
}

// upstreamEnv is withUpstream's configuration over fake, plus extra.
func upstreamEnv(fake *llmtest.Server, extra ...map[string]string) map[string]string {
	env := map[string]string{"GROQ_API_KEY": "gsk_test", "GROQ_BASE_URL": fake.URL(), "GROQ_MODEL": "test-model",
		"AI_PROVIDERS": "groq,builtin", "AI_FIRST_TOKEN_TIMEOUT": "5s", "AI_IDLE_TIMEOUT": "5s"}
	for _, e := range extra {
		maps.Copy(env, e)
	}
	return env
}

// rawStream is a reply stream read to its end, as bytes.
type rawStream struct {
	header http.Header
	te     []string
	length int64
	body   string
}

func (in *instance) readStream(t *testing.T, path, token string, headers map[string]string) rawStream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body) // an error unless the body ends with its terminating chunk
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: status %d, %v, body %q", resp.StatusCode, err, body)
	}
	return rawStream{header: resp.Header, te: resp.TransferEncoding, length: resp.ContentLength, body: string(body)}
}

const keepAliveComment = ": keep-alive\n\n"

var messageID = regexp.MustCompile(`"message_id":"[^"]*"`)

// events returns the body without its keep-alive comments, and how many there were.
func (r rawStream) events() (string, int) {
	return strings.ReplaceAll(r.body, keepAliveComment, ""), strings.Count(r.body, keepAliveComment)
}

// Both stream paths write the same response byte for byte: the headers that
// matter, the framing, the events with their ids, the final event and the
// keep-alive comments; and both resume after Last-Event-ID with exactly the
// missed events. The two instances share one database, so each can resume the
// other's reply.
func TestStreamPathsWriteTheSameBytes(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
			env := upstreamEnv(fake, map[string]string{"DATABASE_URL": storetest.NewURL(t, engine)})
			def := start(t, engine, env)
			hand := start(t, engine, upstreamEnv(fake, env, handoffOn))
			u := def.newUser()
			// A pause longer than the keep-alive period (200ms in tests) between deltas.
			reply := llmtest.Reply("Same ", "bytes ", "on ", "both").StallAfter(2, 900*time.Millisecond).WithUsage(4, 4)
			fake.Enqueue(reply, reply)

			got := map[string]rawStream{}
			var handTicket string
			for _, p := range []struct {
				name string
				in   *instance
			}{{"default", def}, {"handoff", hand}} {
				tk := p.in.createTicket(u.Token, "Same bytes", "On both paths")
				got[p.name] = p.in.readStream(t, aiPath(tk.ID), u.Token, nil)
				handTicket = tk.ID
			}
			d, h := got["default"], got["handoff"]
			for _, name := range []string{"Content-Type", "Cache-Control", "X-Accel-Buffering", "X-Content-Type-Options",
				"X-Frame-Options", "Referrer-Policy"} {
				if d.header.Get(name) != h.header.Get(name) || d.header.Get(name) == "" {
					t.Errorf("%s: default %q, handoff %q", name, d.header.Get(name), h.header.Get(name))
				}
			}
			for name, r := range got {
				if len(r.te) != 1 || r.te[0] != "chunked" || r.length != -1 || r.header.Get("Date") == "" ||
					r.header.Get("X-Request-ID") == "" {
					t.Errorf("%s: framing %v, length %d, headers %v", name, r.te, r.length, r.header)
				}
			}
			dEvents, dKeepAlives := d.events()
			hEvents, hKeepAlives := h.events()
			if dKeepAlives == 0 || hKeepAlives == 0 {
				t.Errorf("keep-alive comments: default %d, handoff %d; want some during the pause", dKeepAlives, hKeepAlives)
			}
			if strings.Contains(dEvents, "\n:") || strings.Contains(hEvents, "\n:") {
				t.Errorf("a comment other than %q:\n%q\n%q", keepAliveComment, d.body, h.body)
			}
			// The replies are two, with an id each; everything else is the same.
			if messageID.ReplaceAllString(dEvents, "") != messageID.ReplaceAllString(hEvents, "") {
				t.Fatalf("the paths differ:\ndefault %q\nhandoff %q", dEvents, hEvents)
			}
			wantFirst := "id: 1\nevent: delta\ndata: "
			if !strings.HasPrefix(hEvents, wantFirst) || !strings.Contains(hEvents, "\n\nid: 5\nevent: done\ndata: {") ||
				!strings.HasSuffix(hEvents, "}\n\n") {
				t.Fatalf("stream %q", hEvents)
			}

			// Resuming the handed-off instance's reply after event 2, on either path,
			// gives exactly the rest of what its live stream sent.
			rest := hEvents[strings.Index(hEvents, "id: 3\n"):]
			for name, in := range map[string]*instance{"default": def, "handoff": hand} {
				r := in.readStream(t, aiPath(handTicket), u.Token, map[string]string{"Last-Event-ID": "2"})
				if r.body != rest {
					t.Errorf("%s: resumed %q, want %q", name, r.body, rest)
				}
			}
		})
	}
}

// On both paths a stream's request log line comes when the stream ends, with the
// bytes the client received and a duration spanning the stream: at least the
// pauses the provider took between tokens, at most the time the client waited
// from sending the request to seeing the line.
func TestStreamLogLineHasTheRealFigures(t *testing.T) {
	forEachStreamPath(t, func(t *testing.T, env map[string]string) {
		fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
		logs := &logBuffer{}
		in := startApp(t, "sqlite", upstreamEnv(fake, env), appOptions{log: logs})
		const tokens, delay = 6, 80 * time.Millisecond
		fake.Enqueue(llmtest.Reply(strings.Split(strings.Repeat("word ", tokens), " ")[:tokens]...).TokenDelay(delay))
		u := in.newUser()
		tk := in.createTicket(u.Token, "Log line", "Figures of a stream")

		started := time.Now()
		r := in.readStream(t, aiPath(tk.ID), u.Token, map[string]string{"X-Request-ID": "stream-figures"})
		var line []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if line = logs.Lines(`"msg":"request"`, `"request_id":"stream-figures"`); len(line) > 0 {
				break
			}
		}
		waited := time.Since(started)
		if len(line) != 1 {
			t.Fatalf("request lines for the stream: %q", line)
		}
		var rec struct {
			Status     int     `json:"status"`
			Bytes      int     `json:"bytes"`
			DurationMS float64 `json:"duration_ms"`
			Route      string  `json:"route"`
		}
		if err := json.Unmarshal([]byte(line[0]), &rec); err != nil {
			t.Fatal(err)
		}
		took := time.Duration(rec.DurationMS * float64(time.Millisecond))
		if rec.Status != 200 || rec.Route != "GET /tickets/{id}/ai-response" || rec.Bytes != len(r.body) ||
			took < (tokens-1)*delay || took > waited {
			t.Fatalf("log %s; want status 200, bytes %d, a duration between %s and %s", line[0], len(r.body),
				(tokens-1)*delay, waited)
		}
	})
}

// Durations are logged as text: the shutdown line says "grace":"10s".
func TestShutdownLogsGraceAsText(t *testing.T) {
	logs := &logBuffer{}
	in := startApp(t, "sqlite", map[string]string{"SHUTDOWN_TIMEOUT": "10s"}, appOptions{log: logs})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := in.app.Serve(ctx, ln); err != nil {
		t.Fatal(err)
	}
	if lines := logs.Lines(`"msg":"shutting down"`, `"grace":"10s"`); len(lines) != 1 {
		t.Fatalf("shutdown lines %q", logs.Lines(`"shutting down"`))
	}
}

// On the default path a reply stream keeps its request open, so http.Server's
// Shutdown waits for it: once the grace period is over the stream is cut (the
// client resumes elsewhere with Last-Event-ID) and Serve still returns cleanly.
func TestServeCutsStreamsOpenAfterTheGrace(t *testing.T) {
	fake := llmtest.NewServer(t, llmtest.Options{APIKey: "gsk_test"})
	logs := &logBuffer{}
	in := startApp(t, "sqlite", upstreamEnv(fake, map[string]string{"SHUTDOWN_TIMEOUT": "200ms"}), appOptions{log: logs})
	fake.Enqueue(llmtest.Reply("still ", "going").StallAfter(1, 2*time.Second))
	u := in.newUser()
	tk := in.createTicket(u.Token, "Shutdown", "While streaming")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- in.app.Serve(ctx, ln) }()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+aiPath(tk.ID), nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	s := &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
	if ev := s.take1(t); ev.Event != "delta" {
		t.Fatalf("first event %+v", ev)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the stream ended cleanly; want it cut at the end of the grace period")
	}
	if logs.Count("shutdown grace period over") != 1 {
		t.Errorf("no warning about the cut connections:\n%s", logs.Lines("shutdown"))
	}
}
