package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// counters are shared by every stream of a phase and read by the sampler.
type counters struct {
	open     atomic.Int64 // streams with response headers and no end yet
	peak     atomic.Int64
	deltas   atomic.Int64 // content events received, all streams
	finished atomic.Int64
}

func (c *counters) opened() {
	n := c.open.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// streamResult is one stream as the client saw it.
type streamResult struct {
	start, first, end time.Time
	deltas            int
	done              bool
	err               error
}

func (r streamResult) ttfb() time.Duration { return r.first.Sub(r.start) }

// streamFunc opens one stream and reads it to the end; first is called once at
// the first content token (or at the end if none came).
type streamFunc func(ctx context.Context, first func()) streamResult

// supportdStream reads GET /tickets/{id}/ai-response: delta events, then done.
func supportdStream(client *http.Client, base, ticketID, token string, want int, wantText string, c *counters) streamFunc {
	return func(ctx context.Context, first func()) (res streamResult) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/tickets/"+ticketID+"/ai-response", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "text/event-stream")
		event := ""
		readStream(client, req, want, first, c, &res, func(line []byte) {
			switch {
			case bytes.HasPrefix(line, []byte("event: ")):
				event = string(bytes.TrimSpace(line[len("event: "):]))
				if event == "delta" {
					res.delta(first, c)
				}
			case bytes.HasPrefix(line, []byte("data: ")) && event == "done":
				res.done = true
				if !bytes.Contains(line, []byte(wantText)) {
					res.err = errors.New("done event without the full reply text")
				}
			case bytes.HasPrefix(line, []byte("data: ")) && event == "error":
				res.err = fmt.Errorf("error event: %s", bytes.TrimSpace(line))
			}
		})
		return res
	}
}

// directStream posts the chat-completions request straight to the fake upstream
// and reads its chunks to [DONE]: the upstream's own time to first token.
func directStream(client *http.Client, url string, body []byte, want int, c *counters) streamFunc {
	contentKey := []byte(`"content":"`)
	return func(ctx context.Context, first func()) (res streamResult) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+upstreamKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		readStream(client, req, want, first, c, &res, func(line []byte) {
			switch {
			case !bytes.HasPrefix(line, []byte("data: ")):
			case bytes.HasPrefix(line, []byte("data: [DONE]")):
				res.done = true
			default:
				// The role chunk has "content":"" and the final one no content: neither counts.
				if i := bytes.Index(line, contentKey); i >= 0 && i+len(contentKey) < len(line) && line[i+len(contentKey)] != '"' {
					res.delta(first, c)
				}
			}
		})
		return res
	}
}

// readStream sends req and hands each line of a 200 response to onLine until the
// body ends, recording into res; then it checks that want deltas came.
func readStream(client *http.Client, req *http.Request, want int, first func(), c *counters, res *streamResult, onLine func([]byte)) {
	res.start = time.Now()
	defer finishStream(res, first, c)
	resp, err := client.Do(req)
	if err != nil {
		res.err = err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		res.err = fmt.Errorf("status %d: %s", resp.StatusCode, b)
		return
	}
	c.opened()
	defer c.open.Add(-1)
	br := bufio.NewReaderSize(resp.Body, 4096)
	var long []byte // a line longer than br's buffer (a long reply's done event)
	for {
		line, err := readLine(br, &long)
		if err != nil {
			if !res.done {
				res.err = fmt.Errorf("after %d deltas: %w", res.deltas, err)
			}
			break
		}
		onLine(line)
	}
	if res.err == nil && res.deltas != want {
		res.err = fmt.Errorf("got %d deltas, want %d", res.deltas, want)
	}
}

// delta counts one content token; the first one marks the time to first token.
func (r *streamResult) delta(first func(), c *counters) {
	if r.deltas == 0 {
		r.first = time.Now()
		first()
	}
	r.deltas++
	c.deltas.Add(1)
}

func finishStream(res *streamResult, first func(), c *counters) {
	res.end = time.Now()
	if res.deltas == 0 {
		first() // unblock a waiting probe sequence
	}
	c.finished.Add(1)
}

// chatRequestBody is a request like the one supportd sends for a ticket.
func chatRequestBody(systemPrompt string) []byte {
	esc := func(s string) string { return strings.NewReplacer(`"`, `\"`, "\n", `\n`).Replace(s) }
	return []byte(`{"messages":[{"role":"system","content":"` + esc(systemPrompt) + `"},` +
		`{"role":"user","content":"Ticket: Cannot reset my password\n\nThe reset link in the email says it has expired, every time."}],` +
		`"model":"llama-3.3-70b-versatile","max_tokens":1024,"stream":true}`)
}

// readLine returns the next line, reading past br's buffer into *long when the
// line is longer (the slice is valid until the next call).
func readLine(br *bufio.Reader, long *[]byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	*long = append((*long)[:0], line...)
	for err == bufio.ErrBufferFull {
		line, err = br.ReadSlice('\n')
		*long = append(*long, line...)
	}
	return *long, err
}
