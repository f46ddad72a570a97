// Package embedtest provides a fake OpenAI-compatible /embeddings server
// with deterministic vectors and scripted misbehaviour, for testing
// embeddings clients and the retrieval built on them.
package embedtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// DefaultDims is the length of the fake's vectors unless Options says otherwise.
const DefaultDims = 64

// Options configures a Server.
type Options struct {
	// APIKey is the bearer token the server requires; empty accepts any request.
	APIKey string
	// Dims is the vectors' length (default DefaultDims).
	Dims int
	// Concepts maps words or phrases to a concept word, applied before
	// hashing, so that tests can make texts near without sharing words:
	// {"money back": "refund", "reimburse": "refund"}. Keys are matched
	// case-insensitively on whole words, longest phrase first.
	Concepts map[string]string
	// Reverse returns data items last first (with correct indexes), as the
	// protocol allows, so clients must order by index.
	Reverse bool
}

// Fault is a scripted misbehaviour; each request consumes the next one.
type Fault struct {
	Status     int    // reply with this HTTP status and an OpenAI-style error body
	RetryAfter string // Retry-After header sent with Status
	Hang       bool   // never answer; wait until the client gives up or the server closes
	DropOne    bool   // return one embedding fewer than inputs
	ShortOne   bool   // make the last embedding one dimension shorter
	NonFinite  bool   // put 1e39, beyond float32's range, in the first embedding
	Model      string // report this model name instead of the requested one
	Body       string // send this raw body with status 200 instead of a response
}

// Request is a request as the server received it.
type Request struct {
	Model          string
	Input          []string
	EncodingFormat string
	Authorization  string // the raw header
}

// Server is a fake embeddings endpoint. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	embedder *embedder
	quit     chan struct{} // closed at cleanup, so that hangs end

	mu       sync.Mutex
	faults   []Fault
	requests []Request
	inputs   map[string]int // per model
	counts   map[string]int // requests per model
}

// NewServer starts a server that is closed at t's cleanup. The API is at
// URL()+"/embeddings".
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Dims <= 0 {
		opts.Dims = DefaultDims
	}
	s := &Server{
		opts:     opts,
		embedder: newEmbedder(opts.Dims, opts.Concepts),
		quit:     make(chan struct{}),
		inputs:   make(map[string]int),
		counts:   make(map[string]int),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", s.handle)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	close(s.quit)
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL returns the base URL to configure a client with (ends in /v1).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Embedding returns the unit vector the server answers for text, so tests
// can compute expected similarities.
func (s *Server) Embedding(text string) []float32 { return s.embedder.embed(text) }

// Inject queues faults; each following request consumes one, in order.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// FailNext makes the next n requests fail with status.
func (s *Server) FailNext(n, status int) {
	for range n {
		s.Inject(Fault{Status: status})
	}
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Input = append([]string(nil), r.Input...)
		out[i] = r
	}
	return out
}

// RequestCount returns how many requests asked for model.
func (s *Server) RequestCount(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[model]
}

// InputCount returns how many texts were sent for model.
func (s *Server) InputCount(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inputs[model]
}

// record notes the request and returns the fault it must suffer, if any.
func (s *Server) record(r Request) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	s.counts[r.Model]++
	s.inputs[r.Model] += len(r.Input)
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}
