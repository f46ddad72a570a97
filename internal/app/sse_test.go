package app_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	ID    int
	Event string
	Data  string
}

func (e sseEvent) content(t testing.TB) string {
	t.Helper()
	var d struct{ Content string }
	if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
		t.Fatalf("event data %q: %v", e.Data, err)
	}
	return d.Content
}

// sseStream is an open reply stream.
type sseStream struct {
	resp       *http.Response
	r          *bufio.Reader
	keepAlives int
}

// openStream requests the reply stream; headers may add Last-Event-ID.
func (in *instance) openStream(path, token string, headers map[string]string) *sseStream {
	in.t.Helper()
	req, err := http.NewRequest(http.MethodGet, in.url+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() { resp.Body.Close() })
	return &sseStream{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next reads one event; io.EOF when the server ended the stream.
func (s *sseStream) next() (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.Event != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"):
			s.keepAlives++
		case strings.HasPrefix(line, "id: "):
			ev.ID, _ = strconv.Atoi(strings.TrimPrefix(line, "id: "))
		case strings.HasPrefix(line, "event: "):
			ev.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// all reads events until the stream ends.
func (s *sseStream) all(t *testing.T) []sseEvent {
	t.Helper()
	var evs []sseEvent
	for {
		ev, err := s.next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatalf("reading stream: %v", err)
		}
		evs = append(evs, ev)
	}
}

// take reads n events, then drops the connection.
func (s *sseStream) take(t *testing.T, n int) []sseEvent {
	t.Helper()
	var evs []sseEvent
	for range n {
		ev, err := s.next()
		if err != nil {
			t.Fatalf("reading event %d: %v", len(evs)+1, err)
		}
		evs = append(evs, ev)
	}
	s.resp.Body.Close()
	return evs
}

// joinDeltas concatenates the content of delta events and checks ids run 1, 2, 3...
// from first.
func joinDeltas(t *testing.T, evs []sseEvent, first int) string {
	t.Helper()
	var b strings.Builder
	for i, ev := range evs {
		if ev.ID != first+i {
			t.Fatalf("event %d has id %d, want %d (gap or duplicate)", i, ev.ID, first+i)
		}
		if ev.Event == "delta" {
			b.WriteString(ev.content(t))
		}
	}
	return b.String()
}
