package embed

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// parse decodes a response to a request of n texts, checks it and returns
// the vectors in input order, normalised.
func (c *Client) parse(raw []byte, n int) ([][]float32, error) {
	var resp embeddingsResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, invalid(c.model, "malformed JSON: "+err.Error())
	}
	if !sameModel(c.model, resp.Model) {
		return nil, &ProviderError{Model: c.model, Status: 200,
			Err: fmt.Errorf("%w: asked for %q, got %q", ErrModelMismatch, c.model, resp.Model)}
	}
	if len(resp.Data) != n {
		return nil, invalid(c.model, fmt.Sprintf("%d embeddings for %d inputs", len(resp.Data), n))
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, invalid(c.model, fmt.Sprintf("index %d out of range or repeated", d.Index))
		}
		if len(d.Embedding) == 0 || len(d.Embedding) != len(resp.Data[0].Embedding) {
			return nil, invalid(c.model, fmt.Sprintf("embedding %d has %d dimensions, embedding at data[0] %d",
				d.Index, len(d.Embedding), len(resp.Data[0].Embedding)))
		}
		v, err := normalise(d.Embedding)
		if err != nil {
			return nil, invalid(c.model, fmt.Sprintf("embedding %d: %v", d.Index, err))
		}
		out[d.Index] = v
	}
	return out, nil
}

// normalise converts v to float32 scaled to unit length. The norm is computed
// in float64 so that large components cannot overflow it.
func normalise(v []float64) ([]float32, error) {
	var sum float64
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > math.MaxFloat32 {
			return nil, fmt.Errorf("component %d is not a finite float32", i)
		}
		sum += x * x
	}
	norm := math.Sqrt(sum)
	if norm == 0 || math.IsInf(norm, 0) {
		return nil, fmt.Errorf("norm %v cannot be normalised", norm)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out, nil
}

// sameModel reports whether the model a response names is the one asked for.
// Vectors from another model would be stored under the wrong name, so a
// different model is an error. Accepted: no name at all, the same name, or
// the name followed by a version or tag ("text-embedding-ada-002-v2" for
// "text-embedding-ada-002", "nomic-embed-text:latest" for "nomic-embed-text"),
// as providers report them; and the reverse for ":latest".
func sameModel(asked, got string) bool {
	switch {
	case got == "" || strings.EqualFold(asked, got):
		return true
	case len(got) > len(asked) && strings.EqualFold(got[:len(asked)], asked):
		sep := got[len(asked)]
		return sep == '-' || sep == ':' || sep == '@'
	}
	return strings.EqualFold(asked, got+":latest")
}
