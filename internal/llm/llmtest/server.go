// Package llmtest provides a fake OpenAI-compatible chat-completions server
// that streams exactly as Groq does, with scripted misbehaviour (errors,
// stalls, malformed chunks, dropped connections) for testing LLM clients.
package llmtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// BasePath is where the API is mounted, as on api.groq.com.
const BasePath = "/openai/v1"

// Options configures a Server.
type Options struct {
	// APIKey is the bearer token the server requires. Empty accepts any.
	APIKey string
	// Default is served when the queue is empty (default: Reply("Hello", ", world")).
	Default *Response
	// DiscardRequests stops the server from recording requests, for
	// benchmarks that send very many. RequestCount still counts them.
	DiscardRequests bool
}

// Server is a fake Groq chat-completions endpoint. It is safe for
// concurrent use and copes with thousands of simultaneous streams.
type Server struct {
	srv   *httptest.Server
	opts  Options
	quit  chan struct{} // closed at cleanup, so that stalls end
	count atomic.Int64
	seq   atomic.Int64

	mu       sync.Mutex
	queue    []Response
	requests []RecordedRequest
	streams  []StreamResult
}

// StreamResult is how far a served stream got.
type StreamResult struct {
	ContentChunks int  // content chunks written and flushed
	Complete      bool // every scripted content chunk was sent
}

// RecordedRequest is a request as the server received it.
type RecordedRequest struct {
	Method  string
	Path    string
	Header  http.Header
	Body    ChatRequest // decoded body; zero if it was not valid JSON
	RawBody []byte
}

// NewServer starts a server that is closed at t's cleanup.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Default == nil {
		d := Reply("Hello", ", world")
		opts.Default = &d
	}
	s := &Server{opts: opts, quit: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+BasePath+"/chat/completions", s.handle)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	close(s.quit)
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL returns the base URL to configure a client with (ends in /openai/v1).
func (s *Server) URL() string { return s.srv.URL + BasePath }

// Enqueue adds scripted responses; each request consumes one, in order.
func (s *Server) Enqueue(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, rs...)
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// StreamResults returns how far each stream that has ended got, in the order they ended.
func (s *Server) StreamResults() []StreamResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StreamResult(nil), s.streams...)
}

func (s *Server) streamEnded(r StreamResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams = append(s.streams, r)
}

// RequestCount returns how many requests reached the endpoint.
func (s *Server) RequestCount() int { return int(s.count.Load()) }

func (s *Server) next() Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return *s.opts.Default
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	return r
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	s.count.Add(1)
	body, decodeErr := s.record(r, raw)
	switch {
	case err != nil:
		return
	case s.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey:
		writeError(w, Status(http.StatusUnauthorized))
	case decodeErr != nil || !body.Stream:
		writeError(w, Status(http.StatusBadRequest).WithBody(
			`{"error":{"message":"this fake only serves valid JSON with \"stream\": true","type":"invalid_request_error"}}`))
	default:
		s.serve(w, r, body, s.next())
	}
}

func (s *Server) record(r *http.Request, raw []byte) (ChatRequest, error) {
	var body ChatRequest
	err := json.Unmarshal(raw, &body)
	if s.opts.DiscardRequests {
		return body, err
	}
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, RawBody: raw}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	return body, err
}

func writeError(w http.ResponseWriter, resp Response) {
	for _, kv := range resp.header {
		w.Header().Add(kv[0], kv[1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	io.WriteString(w, resp.body)
}
