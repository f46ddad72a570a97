package embed_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/embed"
	"github.com/supportd/supportd/internal/embed/embedtest"
)

const model = "text-embedding-3-small"

func newClient(t *testing.T, srv *embedtest.Server, cfg embed.Config) *embed.Client {
	t.Helper()
	cfg.BaseURL = srv.URL()
	if cfg.Model == "" {
		cfg.Model = model
	}
	c, err := embed.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("passage number %d about invoices and projects", i)
	}
	return out
}

func assertNear(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d dimensions, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("component %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestEmbedBatchesInOrder(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{Reverse: true})
	c := newClient(t, srv, embed.Config{MaxBatch: 64})
	in := texts(150)
	vecs, err := c.Embed(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(in) {
		t.Fatalf("got %d vectors for %d texts", len(vecs), len(in))
	}
	for i, text := range in {
		assertNear(t, vecs[i], srv.Embedding(text))
	}
	reqs := srv.Requests()
	var sizes []int
	var sent []string
	for _, r := range reqs {
		sizes = append(sizes, len(r.Input))
		sent = append(sent, r.Input...)
		if r.Model != model || r.EncodingFormat != "float" {
			t.Errorf("request model %q format %q", r.Model, r.EncodingFormat)
		}
	}
	if fmt.Sprint(sizes) != "[64 64 22]" {
		t.Errorf("batch sizes %v, want [64 64 22]", sizes)
	}
	if strings.Join(sent, "\n") != strings.Join(in, "\n") {
		t.Error("texts were not sent in order")
	}
	if srv.RequestCount(model) != 3 || srv.InputCount(model) != 150 {
		t.Errorf("server counted %d requests, %d inputs", srv.RequestCount(model), srv.InputCount(model))
	}
}

func TestEmbedDefaultBatch(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	c := newClient(t, srv, embed.Config{})
	if _, err := c.Embed(t.Context(), texts(embed.DefaultMaxBatch+1)); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount(model); n != 2 {
		t.Errorf("%d requests for %d texts, want 2", n, embed.DefaultMaxBatch+1)
	}
}

func TestEmbedReturnsUnitVectors(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	srv.Inject(embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[3,4]}],"model":"` + model + `"}`})
	vecs, err := newClient(t, srv, embed.Config{}).Embed(t.Context(), []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, vecs[0], []float32{0.6, 0.8})
}

func TestEmbedAuthorization(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{APIKey: "sk-right"})
	if _, err := newClient(t, srv, embed.Config{APIKey: "sk-right"}).Embed(t.Context(), []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[0].Authorization; got != "Bearer sk-right" {
		t.Errorf("Authorization %q", got)
	}
	_, err := newClient(t, srv, embed.Config{APIKey: "sk-wrong"}).Embed(t.Context(), []string{"hello"})
	var pe *embed.ProviderError
	if !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized || pe.Retryable() {
		t.Fatalf("wrong key: %v; want a non-retryable 401", err)
	}
	if !strings.Contains(pe.Body, "Incorrect API key") || strings.Contains(err.Error(), "sk-wrong") {
		t.Errorf("error %q: want the server's message and never the key", err)
	}
}

func TestEmbedWithoutKeySendsNoAuthorization(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	if _, err := newClient(t, srv, embed.Config{}).Embed(t.Context(), []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[0].Authorization; got != "" {
		t.Errorf("Authorization %q, want none", got)
	}
}

func TestEmbedNothing(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	c := newClient(t, srv, embed.Config{})
	vecs, err := c.Embed(t.Context(), nil)
	if err != nil || len(vecs) != 0 {
		t.Errorf("no texts: %v, %v", vecs, err)
	}
	if _, err := c.Embed(t.Context(), []string{"fine", "  \n"}); !errors.Is(err, embed.ErrEmptyInput) {
		t.Errorf("blank text: %v, want ErrEmptyInput", err)
	}
	if n := srv.RequestCount(model); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestEmbedRejectsInvalidResponses(t *testing.T) {
	tests := []struct {
		name  string
		fault embedtest.Fault
		want  error
	}{
		{"one embedding missing", embedtest.Fault{DropOne: true}, embed.ErrInvalidResponse},
		{"one embedding shorter", embedtest.Fault{ShortOne: true}, embed.ErrInvalidResponse},
		{"component beyond float32", embedtest.Fault{NonFinite: true}, embed.ErrInvalidResponse},
		{"malformed JSON", embedtest.Fault{Body: `{"data":[`}, embed.ErrInvalidResponse},
		{"NaN token", embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[NaN]},{"index":1,"embedding":[1]}]}`}, embed.ErrInvalidResponse},
		{"zero vector", embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[0,0]},{"index":1,"embedding":[1,0]}]}`}, embed.ErrInvalidResponse},
		{"repeated index", embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`}, embed.ErrInvalidResponse},
		{"index out of range", embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[1]},{"index":2,"embedding":[1]}]}`}, embed.ErrInvalidResponse},
		{"other model", embedtest.Fault{Model: "all-minilm"}, embed.ErrModelMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := embedtest.NewServer(t, embedtest.Options{})
			srv.Inject(tt.fault)
			_, err := newClient(t, srv, embed.Config{}).Embed(t.Context(), []string{"one", "two"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if embed.IsRetryable(err) {
				t.Errorf("%v is retryable; the same request would fail again", err)
			}
		})
	}
}

func TestEmbedAcceptsModelVersions(t *testing.T) {
	for _, reported := range []string{"", model, model + "-v2", strings.ToUpper(model)} {
		srv := embedtest.NewServer(t, embedtest.Options{})
		srv.Inject(embedtest.Fault{Model: reported})
		if _, err := newClient(t, srv, embed.Config{}).Embed(t.Context(), []string{"one"}); err != nil {
			t.Errorf("reported model %q: %v", reported, err)
		}
	}
	srv := embedtest.NewServer(t, embedtest.Options{})
	srv.Inject(embedtest.Fault{Model: "nomic-embed-text"})
	if _, err := newClient(t, srv, embed.Config{Model: "nomic-embed-text:latest"}).Embed(t.Context(), []string{"one"}); err != nil {
		t.Errorf(":latest: %v", err)
	}
}

func TestEmbedDimensionsAgreeAcrossBatches(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{Dims: 8})
	srv.Inject(embedtest.Fault{}, embedtest.Fault{Body: `{"data":[{"index":0,"embedding":[1,0,0]}]}`})
	_, err := newClient(t, srv, embed.Config{MaxBatch: 1}).Embed(t.Context(), []string{"one", "two"})
	if !errors.Is(err, embed.ErrInvalidResponse) {
		t.Errorf("got %v, want ErrInvalidResponse", err)
	}
}

func TestEmbedFailures(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	c := newClient(t, srv, embed.Config{})
	srv.FailNext(2, http.StatusServiceUnavailable)
	for i := range 2 {
		_, err := c.Embed(t.Context(), []string{"hello"})
		var pe *embed.ProviderError
		if !errors.As(err, &pe) || pe.Status != http.StatusServiceUnavailable || !pe.Retryable() {
			t.Fatalf("attempt %d: %v, want a retryable 503", i, err)
		}
	}
	if _, err := c.Embed(t.Context(), []string{"hello"}); err != nil {
		t.Fatalf("after the failures: %v", err)
	}
	if n := srv.RequestCount(model); n != 3 {
		t.Errorf("%d requests, want 3: the client must not retry by itself", n)
	}
}

func TestRetryableClassification(t *testing.T) {
	tests := []struct {
		status    int
		retryable bool
	}{
		{400, false}, {401, false}, {403, false}, {404, false}, {413, false},
		{408, true}, {429, true}, {500, true}, {502, true}, {503, true}, {504, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := embedtest.NewServer(t, embedtest.Options{})
			srv.Inject(embedtest.Fault{Status: tt.status, RetryAfter: "7"})
			_, err := newClient(t, srv, embed.Config{}).Embed(t.Context(), []string{"hello"})
			var pe *embed.ProviderError
			if !errors.As(err, &pe) || pe.Status != tt.status {
				t.Fatalf("got %v", err)
			}
			if pe.Retryable() != tt.retryable || embed.IsRetryable(err) != tt.retryable {
				t.Errorf("Retryable() = %v, want %v", pe.Retryable(), tt.retryable)
			}
			if pe.RetryAfter != 7*time.Second {
				t.Errorf("RetryAfter %v, want 7s", pe.RetryAfter)
			}
		})
	}
}

func TestEmbedTimeout(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	srv.Inject(embedtest.Fault{Hang: true})
	start := time.Now()
	_, err := newClient(t, srv, embed.Config{Timeout: 100 * time.Millisecond}).Embed(t.Context(), []string{"hello"})
	if !errors.Is(err, embed.ErrTimeout) || !embed.IsRetryable(err) {
		t.Fatalf("got %v, want a retryable ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestEmbedCallerCancels(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	srv.Inject(embedtest.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := newClient(t, srv, embed.Config{}).Embed(ctx, []string{"hello"})
	var pe *embed.ProviderError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &pe) {
		t.Fatalf("got %v, want the caller's context error, not a provider error", err)
	}
}

func TestEmbedConnectionRefusedIsRetryable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	base := dead.URL
	dead.Close()
	c, err := embed.New(embed.Config{BaseURL: base, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Embed(t.Context(), []string{"hello"})
	var pe *embed.ProviderError
	if !errors.As(err, &pe) || pe.Status != 0 || !pe.Retryable() {
		t.Errorf("got %v, want a retryable provider error without status", err)
	}
}

func TestEmbedResponseCap(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.Options{})
	in := texts(10)
	size := responseSize(t, srv, in)
	if _, err := newClient(t, srv, embed.Config{MaxResponseBytes: size}).Embed(t.Context(), in); err != nil {
		t.Errorf("body exactly at the cap: %v", err)
	}
	_, err := newClient(t, srv, embed.Config{MaxResponseBytes: size - 1}).Embed(t.Context(), in)
	if !errors.Is(err, embed.ErrResponseTooLarge) || embed.IsRetryable(err) {
		t.Errorf("body one byte over the cap: %v, want a non-retryable ErrResponseTooLarge", err)
	}
}

// responseSize returns the length of the server's body for texts.
func responseSize(t *testing.T, srv *embedtest.Server, texts []string) int64 {
	t.Helper()
	body := fmt.Sprintf(`{"model":%q,"input":["%s"]}`, model, strings.Join(texts, `","`))
	resp, err := http.Post(srv.URL()+"/embeddings", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var n int64
	buf := make([]byte, 4096)
	for {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if err != nil {
			break
		}
	}
	return n
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []embed.Config{
		{BaseURL: "", Model: model},
		{BaseURL: "localhost:11434/v1", Model: model},
		{BaseURL: "ftp://example.com", Model: model},
		{BaseURL: "http://localhost:11434/v1", Model: " "},
	} {
		if _, err := embed.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted it", cfg)
		}
	}
	c, err := embed.New(embed.Config{BaseURL: "http://localhost:11434/v1/", Model: "nomic-embed-text"})
	if err != nil || c.Model() != "nomic-embed-text" {
		t.Errorf("valid config: %v, %v", c, err)
	}
}
