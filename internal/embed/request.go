package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

type embeddingsRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
}

type embeddingsResponse struct {
	Model string `json:"model"`
	Data  []struct {
		Index int `json:"index"`
		// float64, not float32: a component beyond float32's range must
		// reach validation as ±Inf rather than fail decoding obscurely.
		Embedding []float64 `json:"embedding"`
	} `json:"data"`
}

// embedBatch sends one request and returns its validated, normalised vectors.
func (c *Client) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embeddingsRequest{Model: c.model, Input: texts, EncodingFormat: "float"})
	if err != nil {
		return nil, fmt.Errorf("embed: encode request: %w", err)
	}
	rctx, cancel := context.WithTimeoutCause(ctx, c.timeout, ErrTimeout)
	defer cancel()
	raw, err := c.post(rctx, body)
	if err != nil {
		if ctx.Err() != nil { // the caller gave up: not the provider's fault
			return nil, ctx.Err()
		}
		if errors.Is(context.Cause(rctx), ErrTimeout) {
			err = ErrTimeout
		}
		return nil, providerError(c.model, err)
	}
	return c.parse(raw, len(texts))
}

// post sends body and returns the response body of a 2xx reply. Other
// statuses become a *ProviderError.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("embed: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, maxExcerptRead))
		return nil, &ProviderError{
			Model:      c.model,
			Status:     resp.StatusCode,
			Body:       bodyExcerpt(excerpt),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			retryable:  retryableStatus(resp.StatusCode),
		}
	}
	// Read one byte past the cap to tell "exactly at the cap" from "over it".
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("embed: read response: %w", err)
	}
	if int64(len(raw)) > c.maxBody {
		return nil, &ProviderError{Model: c.model, Status: resp.StatusCode,
			Err: fmt.Errorf("%w (over %d bytes)", ErrResponseTooLarge, c.maxBody)}
	}
	return raw, nil
}
