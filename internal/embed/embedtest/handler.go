package embedtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

type request struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
}

type datum struct {
	Object    string            `json:"object"`
	Index     int               `json:"index"`
	Embedding []json.RawMessage `json:"embedding"` // raw numbers, so a fault can write 1e39
}

type response struct {
	Object string  `json:"object"`
	Data   []datum `json:"data"`
	Model  string  `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	input, err := decodeInput(req.Input)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fault, faulty := s.record(Request{Model: req.Model, Input: input, EncodingFormat: req.EncodingFormat,
		Authorization: r.Header.Get("Authorization")})
	if s.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided")
		return
	}
	if faulty && s.misbehave(w, r, fault) {
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter")
		return
	}
	for i, t := range input {
		if strings.TrimSpace(t) == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("'$.input[%d]' is invalid: empty string", i))
			return
		}
	}
	s.writeEmbeddings(w, req.Model, input, fault)
}

// misbehave serves the faults that replace the response and reports whether it did.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
		return true
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeError(w, f.Status, "scripted failure")
		return true
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(f.Body))
		return true
	}
	return false
}

// writeEmbeddings answers input, applying the faults that corrupt a response.
func (s *Server) writeEmbeddings(w http.ResponseWriter, model string, input []string, f Fault) {
	resp := response{Object: "list", Model: model}
	if f.Model != "" {
		resp.Model = f.Model
	}
	for i, text := range input {
		resp.Data = append(resp.Data, datum{Object: "embedding", Index: i, Embedding: numbers(s.embedder.embed(text))})
		resp.Usage.PromptTokens += len(strings.Fields(text))
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	last := len(resp.Data) - 1
	if f.ShortOne {
		resp.Data[last].Embedding = resp.Data[last].Embedding[1:]
	}
	if f.NonFinite {
		resp.Data[0].Embedding[0] = json.RawMessage("1e39")
	}
	if f.DropOne {
		resp.Data = resp.Data[:last]
	}
	if s.opts.Reverse {
		for i, j := 0, len(resp.Data)-1; i < j; i, j = i+1, j-1 {
			resp.Data[i], resp.Data[j] = resp.Data[j], resp.Data[i]
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// decodeInput accepts input as a string or an array of strings, as OpenAI does.
func decodeInput(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("'input' must be a string or a non-empty array of strings")
	}
	return many, nil
}

func numbers(v []float32) []json.RawMessage {
	out := make([]json.RawMessage, len(v))
	for i, x := range v {
		out[i] = strconv.AppendFloat(nil, float64(x), 'g', -1, 32)
	}
	return out
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": message, "type": "invalid_request_error", "code": status},
	})
}
