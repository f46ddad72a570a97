package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// chunk is one chat.completion.chunk, with fields in Groq's order.
type chunk struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	SystemFingerprint string   `json:"system_fingerprint"`
	Choices           []choice `json:"choices"`
	XGroq             *xGroq   `json:"x_groq,omitempty"`
}

type choice struct {
	Index        int       `json:"index"`
	Delta        delta     `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"` // always null
	FinishReason *string   `json:"finish_reason"`
}

type delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type xGroq struct {
	ID    string `json:"id"`
	Usage *usage `json:"usage,omitempty"`
	Error string `json:"error,omitempty"`
}

type usage struct {
	QueueTime        float64 `json:"queue_time"`
	PromptTokens     int     `json:"prompt_tokens"`
	PromptTime       float64 `json:"prompt_time"`
	CompletionTokens int     `json:"completion_tokens"`
	CompletionTime   float64 `json:"completion_time"`
	TotalTokens      int     `json:"total_tokens"`
	TotalTime        float64 `json:"total_time"`
}

// streamer writes one scripted stream.
type streamer struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	r     *http.Request
	quit  <-chan struct{}
	resp  Response
	req   ChatRequest
	base  chunk
	start time.Time
	sent  int // content chunks sent
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, req ChatRequest, resp Response) {
	if resp.status != http.StatusOK {
		writeError(w, resp)
		return
	}
	n := s.seq.Add(1)
	st := &streamer{w: w, rc: http.NewResponseController(w), r: r, quit: s.quit, resp: resp, req: req, start: time.Now()}
	st.base = chunk{
		ID: fmt.Sprintf("chatcmpl-%08d", n), Object: "chat.completion.chunk", Created: st.start.Unix(),
		Model: req.Model, SystemFingerprint: "fp_fake0001",
	}
	st.run(fmt.Sprintf("req_%08d", n))
	s.streamEnded(StreamResult{ContentChunks: st.sent, Complete: st.sent == len(resp.deltas)})
}

// run writes the whole stream; it returns early when the client goes away
// or a scripted misbehaviour ends the stream.
func (st *streamer) run(groqID string) {
	h := st.w.Header()
	for _, kv := range st.resp.header {
		h.Add(kv[0], kv[1])
	}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	st.w.WriteHeader(http.StatusOK)
	empty := ""
	if !st.send(st.chunk(delta{Role: "assistant", Content: &empty}, nil, &xGroq{ID: groqID})) {
		return
	}
	deltas := st.resp.deltas
	for k := 0; k <= len(deltas); k++ {
		if !st.misbehave(k, groqID) {
			return
		}
		if k == len(deltas) {
			break
		}
		if k > 0 && !st.wait(st.resp.tokenDelay) {
			return
		}
		if !st.send(st.chunk(delta{Content: &deltas[k]}, nil, nil)) {
			return
		}
		st.sent++
	}
	st.finish(groqID)
}

// misbehave performs the faults scripted after k content chunks and
// reports whether the stream goes on.
func (st *streamer) misbehave(k int, groqID string) bool {
	r := st.resp
	if r.stall.at(k) && !st.wait(r.stallFor) {
		return false
	}
	if r.malformed.at(k) && !st.sendData(`{"id":"`+st.base.ID+`","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tr`) {
		return false
	}
	if r.drop.at(k) {
		if conn, _, err := st.rc.Hijack(); err == nil {
			conn.Close()
		}
		return false
	}
	if r.groqErr.at(k) {
		if st.send(st.chunk(delta{}, nil, &xGroq{ID: groqID, Error: r.groqErrMsg})) {
			st.sendData("[DONE]")
		}
		return false
	}
	return true
}

// finish sends the final chunk with finish_reason and x_groq.usage, then [DONE].
func (st *streamer) finish(groqID string) {
	reason := st.resp.finishReason
	if st.send(st.chunk(delta{}, &reason, &xGroq{ID: groqID, Usage: st.usage()})) && !st.resp.noDone {
		st.sendData("[DONE]")
	}
}

func (st *streamer) chunk(d delta, finish *string, xg *xGroq) chunk {
	c := st.base
	c.Choices = []choice{{Index: 0, Delta: d, FinishReason: finish}}
	c.XGroq = xg
	return c
}

// usage reports the scripted counts, or estimates them: prompt tokens at
// four characters each, one completion token per delta.
func (st *streamer) usage() *usage {
	prompt, completion := len(st.req.Text())/4, len(st.resp.deltas)
	if u := st.resp.usage; u != nil {
		prompt, completion = u[0], u[1]
	}
	elapsed := time.Since(st.start).Seconds()
	return &usage{
		QueueTime: 0.012, PromptTokens: prompt, PromptTime: 0.002,
		CompletionTokens: completion, CompletionTime: elapsed, TotalTokens: prompt + completion,
		TotalTime: elapsed + 0.002,
	}
}

func (st *streamer) send(c chunk) bool {
	b, err := json.Marshal(c)
	return err == nil && st.sendData(string(b))
}

// sendData writes one SSE event and flushes it, as Groq does per chunk.
func (st *streamer) sendData(data string) bool {
	if _, err := io.WriteString(st.w, "data: "+data+"\n\n"); err != nil {
		return false
	}
	return st.rc.Flush() == nil
}

// wait pauses for d; it gives up when the client goes away or the server
// closes, so that stalls never outlive the test.
func (st *streamer) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-st.r.Context().Done():
	case <-st.quit:
	}
	return false
}
