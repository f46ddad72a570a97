package embedtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/embed/embedtest"
)

func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestEmbeddingIsDeterministicUnitLength(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{Dims: 32})
	a, b := srv.Embedding("Refund my invoice"), srv.Embedding("refund, my INVOICE!")
	if len(a) != 32 || !slices.Equal(a, b) {
		t.Fatalf("same words gave different vectors: %v %v", a, b)
	}
	if n := cosine(a, a); n < 0.9999 || n > 1.0001 {
		t.Errorf("squared norm %v, want 1", n)
	}
}

func TestConceptsMakeSynonymsNear(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{Concepts: map[string]string{"money back": "refund", "Reimburse": "refund"}})
	refund := srv.Embedding("how do I get a refund")
	if got := cosine(refund, srv.Embedding("how do I get my money back")); got < 0.7 {
		t.Errorf("money back vs refund: %.2f, want near", got)
	}
	if got := cosine(srv.Embedding("refund"), srv.Embedding("reimburse")); got < 0.9999 {
		t.Errorf("reimburse vs refund: %.2f, want identical", got)
	}
	plain := embedtest.NewServer(t, embedtest.Options{})
	if got := cosine(plain.Embedding("refund"), plain.Embedding("money back")); got > 0.5 {
		t.Errorf("without concepts: %.2f, want far", got)
	}
}

func post(t *testing.T, srv *embedtest.Server, body string, header http.Header) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/embeddings", strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestProtocol(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{APIKey: "k"})
	auth := http.Header{"Authorization": {"Bearer k"}}
	resp, out := post(t, srv, `{"model":"m","input":"a single string"}`, auth)
	if resp.StatusCode != 200 || out["model"] != "m" || len(out["data"].([]any)) != 1 {
		t.Errorf("string input: %d %v", resp.StatusCode, out)
	}
	if resp, _ := post(t, srv, `{"model":"m","input":["ok",""]}`, auth); resp.StatusCode != 400 {
		t.Errorf("empty string: %d, want 400", resp.StatusCode)
	}
	if resp, _ := post(t, srv, `{"model":"m","input":["ok"]}`, nil); resp.StatusCode != 401 {
		t.Errorf("no key: %d, want 401", resp.StatusCode)
	}
	post(t, srv, `{"model":"other","input":["x","y","z"]}`, auth)
	if srv.RequestCount("m") != 3 || srv.InputCount("m") != 4 || srv.RequestCount("other") != 1 || srv.InputCount("other") != 3 {
		t.Errorf("counts m %d/%d other %d/%d", srv.RequestCount("m"), srv.InputCount("m"),
			srv.RequestCount("other"), srv.InputCount("other"))
	}
	if reqs := srv.Requests(); len(reqs) != 4 || reqs[3].Model != "other" || reqs[3].Input[2] != "z" {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestFaultsAreConsumedInOrder(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	srv.FailNext(1, 429)
	srv.Inject(embedtest.Fault{Model: "impostor"})
	body := `{"model":"m","input":["x"]}`
	if resp, _ := post(t, srv, body, nil); resp.StatusCode != 429 {
		t.Errorf("first: %d, want 429", resp.StatusCode)
	}
	if _, out := post(t, srv, body, nil); out["model"] != "impostor" {
		t.Errorf("second: model %v, want impostor", out["model"])
	}
	if _, out := post(t, srv, body, nil); out["model"] != "m" {
		t.Errorf("third: model %v, want m", out["model"])
	}
}

// A hanging request must not keep the test's cleanup waiting.
func TestHangEndsAtCleanup(t *testing.T) {
	done := make(chan struct{})
	t.Run("hang", func(t *testing.T) {
		srv := embedtest.NewServer(t, embedtest.Options{})
		srv.Inject(embedtest.Fault{Hang: true})
		go func() {
			defer close(done)
			resp, err := http.Post(srv.URL()+"/embeddings", "application/json", strings.NewReader(`{"model":"m","input":["x"]}`))
			if err == nil {
				resp.Body.Close()
			}
		}()
		for srv.RequestCount("m") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging request outlived the server")
	}
}
