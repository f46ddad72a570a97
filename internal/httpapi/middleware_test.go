package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestPanicBecomes500WithRequestID(t *testing.T) {
	var logs lockedBuffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	calls := 0
	h := s.requestLog(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	s := &Server{log: slog.New(slog.DiscardHandler)}
	h := s.requestLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
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
