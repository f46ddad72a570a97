package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportd/supportd/internal/logging"
	"github.com/supportd/supportd/internal/logging/logtest"
)

func TestPanicBecomes500WithRequestID(t *testing.T) {
	var logs logtest.Buffer
	s := bareServer(slog.New(slog.NewJSONHandler(&logs, nil)))
	calls := 0
	h := s.instrument(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	id := resp.Header.Get("X-Request-ID")
	if resp.StatusCode != 500 || p.Status != 500 || id == "" || !strings.Contains(p.Detail, id) {
		t.Fatalf("status %d, problem %+v, request id %q", resp.StatusCode, p, id)
	}
	if strings.Contains(p.Detail, "boom") || strings.Contains(p.Detail, "goroutine") {
		t.Errorf("panic details leaked to the client: %q", p.Detail)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("panic not logged with its stack: %s", logs.String())
	}
	resp, err = http.Get(srv.URL + "/x")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("server stopped serving after a panic: %v %v", err, resp)
	}
}

func TestRequestIDIsKeptOnlyWhenSane(t *testing.T) {
	s := bareServer(slog.New(slog.DiscardHandler))
	h := s.instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for in, keep := range map[string]bool{"abc-123": true, "evil\nline": false, strings.Repeat("a", 65): false, "": false} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Request-ID", in)
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-ID")
		if (got == in) != keep || got == "" {
			t.Errorf("X-Request-ID %q -> %q", in, got)
		}
	}
}

// One line per request, with what an audit needs and the query string left out.
func TestRequestLogLine(t *testing.T) {
	var logs logtest.Buffer
	log, err := logging.New(&logs, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	s := bareServer(log)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tickets/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	srv := httptest.NewServer(s.instrument(mux))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/tickets/42?stream_token=secret-token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line); err != nil {
		t.Fatalf("log line %q: %v", logs.String(), err)
	}
	for key, want := range map[string]any{"msg": "request", "method": "GET", "route": "GET /tickets/{id}", "status": float64(404)} {
		if line[key] != want {
			t.Errorf("%s = %v, want %v", key, line[key], want)
		}
	}
	if line["client"] != "127.0.0.1" { // the peer's IP (clientip.go); no TRUSTED_PROXIES here
		t.Errorf("client = %v, want the peer's address", line["client"])
	}
	if id := resp.Header.Get("X-Request-ID"); id == "" || line["request_id"] != id {
		t.Errorf("request_id = %v, want the X-Request-ID %q", line["request_id"], id)
	}
	if strings.Contains(logs.String(), "secret-token") {
		t.Errorf("the query string was logged: %s", logs.String())
	}
}

// bareServer is a Server with no routes, for testing middleware on its own.
func bareServer(log *slog.Logger) *Server {
	return &Server{log: log, mux: http.NewServeMux(), tracer: noop.NewTracerProvider().Tracer(tracerName),
		propagator: propagation.TraceContext{}}
}
