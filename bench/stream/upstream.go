package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
)

// upstreamInfo is what the upstream process prints on its first stdout line.
type upstreamInfo struct {
	Plain string `json:"plain"` // http://.../openai/v1, HTTP/1.1 (llmtest's own listener)
	TLS   string `json:"tls"`   // https://.../openai/v1, HTTP/2 over TLS (same handler)
	Cert  string `json:"cert"`  // PEM of the TLS listener's certificate, for SSL_CERT_FILE
	PID   int    `json:"pid"`
}

const upstreamKey = "gsk_streambench"

// benchTB is the minimal testing.TB that llmtest.NewServer needs (Helper and
// Cleanup); the embedded nil interface supplies the unexported method.
type benchTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

func (t *benchTB) Helper()                   {}
func (t *benchTB) Name() string              { return "streambench" }
func (t *benchTB) Logf(f string, a ...any)   { log.Printf(f, a...) }
func (t *benchTB) Errorf(f string, a ...any) { log.Printf(f, a...) }
func (t *benchTB) Fatalf(f string, a ...any) { log.Fatalf(f, a...) }
func (t *benchTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *benchTB) cleanup() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// scriptedTokens returns n short tokens, about four characters each like an LLM's.
func scriptedTokens(n int) []string {
	words := []string{"Thanks", " for", " reaching", " out", ".", " To", " reset", " your", " password", ",",
		" open", " Settings", " and", " choose", " Security", " then", " follow", " the", " link", " we"}
	out := make([]string, n)
	for i := range out {
		out[i] = words[i%len(words)]
	}
	return out
}

// runUpstream is the fake Groq upstream, in a process of its own so that its CPU
// and memory are not counted as supportd's. It serves every request with the same
// scripted reply and exits when its stdin closes (the parent went away).
func runUpstream(tokens int, delay time.Duration, dir string) error {
	tb := &benchTB{}
	defer tb.cleanup()
	reply := llmtest.Reply(scriptedTokens(tokens)...).TokenDelay(delay)
	fake := llmtest.NewServer(tb, llmtest.Options{APIKey: upstreamKey, Default: &reply, DiscardRequests: true})

	// The same handler over TLS with HTTP/2, as api.groq.com serves it: Go's
	// transport (and so supportd's) then multiplexes many streams per connection
	// instead of holding one TCP connection per reply.
	tlsSrv := httptest.NewUnstartedServer(fake.Handler())
	tlsSrv.EnableHTTP2 = true
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	certPath := filepath.Join(dir, "upstream-cert.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	if err := os.WriteFile(certPath, pemBytes, 0o644); err != nil {
		return err
	}
	info := upstreamInfo{Plain: fake.URL(), TLS: tlsSrv.URL + llmtest.BasePath, Cert: certPath, PID: os.Getpid()}
	b, _ := json.Marshal(info)
	fmt.Println(string(b))
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes our stdin or dies
	return nil
}

// upstreamTransport is a client transport like supportd's (cloned default
// transport: HTTP/2 over TLS when offered, HTTP/1.1 otherwise).
func upstreamTransport(certPEM []byte, maxIdle int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxIdle
	tr.MaxIdleConns = maxIdle
	tr.Proxy = nil
	if certPEM != nil {
		tr.TLSClientConfig = tlsConfigFor(certPEM)
	}
	return tr
}
