package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// chatRequest is the body of a streaming chat-completions request: the
// fields supportd sends, nothing else.
type chatRequest struct {
	Model     string        `json:"model"`
	Messages  []chatMessage `json:"messages"`
	MaxTokens int           `json:"max_tokens"`
	Stream    bool          `json:"stream"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// maxErrorBody bounds how much of an error response is read for its message.
const maxErrorBody = 64 << 10

// userAgent is sent with every upstream request.
const userAgent = "supportd"

// chatCompletionsURL returns {base}/chat/completions, base with or without a
// trailing slash. A base that does not parse is kept as it is, so that the
// request fails (and says why) rather than NewOpenAI.
func chatCompletionsURL(base string) string {
	if u, err := url.JoinPath(base, "chat/completions"); err == nil {
		return u
	}
	return strings.TrimRight(base, "/") + "/chat/completions"
}

// requestBody encodes the request for req's prompt msgs. max_tokens is
// Request.MaxTokens capped by the configured maximum, which also applies when
// the request asks for none.
func (o *OpenAI) requestBody(req Request, msgs []Message) ([]byte, error) {
	maxTokens := o.cfg.MaxTokens
	if req.MaxTokens > 0 {
		maxTokens = min(req.MaxTokens, maxTokens)
	}
	body := chatRequest{
		Model:     o.cfg.Model,
		Messages:  make([]chatMessage, len(msgs)),
		MaxTokens: maxTokens,
		Stream:    true,
	}
	for i, m := range msgs {
		body.Messages[i] = chatMessage{Role: wireRole(m.Role), Content: m.Content}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // prompts are full of "<", ">" and "&"; no need to send them as \u003c
	if err := enc.Encode(body); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// wireRole is the chat-completions role of a prompt message: an unknown role
// is sent as "user", the least trusted.
func wireRole(role string) string {
	switch role {
	case RoleSystem, RoleAssistant:
		return role
	}
	return RoleUser
}

// send posts the streaming request and returns the response once its headers
// are in, its body for the caller to read and close. It never retries and never
// follows a redirect. Any other status than 2xx closes the body and is an
// error: a redirect an *UpstreamError with errRedirect, anything else a
// *statusError carrying the upstream's message.
func (o *OpenAI) send(ctx context.Context, req Request, msgs []Message) (*http.Response, error) {
	body, err := o.requestBody(req, msgs)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	h := hreq.Header
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "text/event-stream")
	h.Set("User-Agent", userAgent)
	if o.cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+o.cfg.APIKey)
	}
	res, err := o.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return res, nil
	case res.StatusCode >= 300 && res.StatusCode < 400:
		// Following it would carry the API key elsewhere.
		res.Body.Close()
		return nil, &UpstreamError{Status: res.StatusCode, Err: errRedirect}
	}
	return nil, readStatusError(res)
}

// statusError is an HTTP error response, its body read and closed.
type statusError struct {
	status  int
	header  http.Header
	message string // the upstream's error message, or the status text
}

func (e *statusError) Error() string { return e.message }

// readStatusError reads at most maxErrorBody bytes of res's body for the
// upstream's message, and closes it. A body cut short (too long, or the
// connection failed) still gives a message: the status text at worst.
func readStatusError(res *http.Response) *statusError {
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	res.Body.Close()
	return &statusError{status: res.StatusCode, header: res.Header, message: apiMessage(b, res.StatusCode)}
}
