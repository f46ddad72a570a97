package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBufferJSON(t *testing.T) {
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		wantLen  bool
		wantBody string
		wantCode int
	}{
		{"json gets a length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			io.WriteString(w, `{"a":`)
			io.WriteString(w, `1}`)
		}, true, `{"a":1}`, 201},
		{"problem gets a length", func(w http.ResponseWriter, r *http.Request) {
			writeJSONProblem(w, 404, "nope")
		}, true, `"detail":"nope"`, 404},
		{"event stream passes through", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: 1\n\n")
			http.NewResponseController(w).Flush()
			io.WriteString(w, "data: 2\n\n")
		}, false, "data: 2", 200},
		{"flushed json streams", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "[1,")
			http.NewResponseController(w).Flush()
			io.WriteString(w, "2]")
		}, false, "[1,2]", 200},
		{"large json streams", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `"`+strings.Repeat("x", maxBuffered)+`"`)
		}, false, "xxxx", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(bufferJSON(c.handler))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.wantCode || !strings.Contains(string(body), c.wantBody) || (resp.ContentLength >= 0) != c.wantLen {
				t.Fatalf("status %d, length %d, body %.60q", resp.StatusCode, resp.ContentLength, body)
			}
		})
	}
}
