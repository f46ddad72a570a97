package llmtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Response scripts how the server answers one request. Build one with
// Reply or Status and refine it with the With… and misbehaviour methods.
// Methods return modified copies, so a Response can be reused safely.
//
// "After k chunks" counts content chunks: the role chunk that opens every
// stream is not counted, so k = 0 means "before the first token".
type Response struct {
	status       int
	header       [][2]string
	body         string
	deltas       []string
	usage        *[2]int // prompt, completion
	finishReason string
	noDone       bool
	tokenDelay   time.Duration
	stall        trigger
	stallFor     time.Duration
	malformed    trigger
	drop         trigger
	groqErr      trigger
	groqErrMsg   string
}

// trigger fires once, after a given number of content chunks.
type trigger struct {
	set   bool
	after int
}

func (t trigger) at(k int) bool { return t.set && t.after == k }

// Reply is a successful stream whose content chunks are deltas, in order.
func Reply(deltas ...string) Response {
	return Response{status: http.StatusOK, deltas: deltas, finishReason: "stop"}
}

// Status is an error response with a Groq-style JSON error body.
func Status(code int) Response {
	return Response{status: code, body: errorBody(code)}
}

// WithRetryAfter sets the retry-after header, in seconds (fractional for
// sub-second durations; Groq itself sends whole seconds).
func (r Response) WithRetryAfter(d time.Duration) Response {
	return r.WithHeader("retry-after", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
}

// WithHeader adds a response header.
func (r Response) WithHeader(key, value string) Response {
	r.header = append(slices.Clip(r.header), [2]string{key, value})
	return r
}

// WithBody replaces the body of an error response.
func (r Response) WithBody(body string) Response {
	r.body = body
	return r
}

// WithUsage sets the token counts reported in x_groq.usage (by default
// prompt tokens are estimated from the request and completion tokens are
// the number of deltas).
func (r Response) WithUsage(prompt, completion int) Response {
	r.usage = &[2]int{prompt, completion}
	return r
}

// WithFinishReason sets the final chunk's finish_reason (default "stop").
func (r Response) WithFinishReason(reason string) Response {
	r.finishReason = reason
	return r
}

// WithoutDone ends the stream cleanly but without the "data: [DONE]" line.
func (r Response) WithoutDone() Response {
	r.noDone = true
	return r
}

// TokenDelay waits d between content chunks.
func (r Response) TokenDelay(d time.Duration) Response {
	r.tokenDelay = d
	return r
}

// StallBeforeFirst sends the role chunk, then goes silent for d (or until
// the client goes away) before the first content chunk.
func (r Response) StallBeforeFirst(d time.Duration) Response { return r.StallAfter(0, d) }

// StallAfter goes silent for d (or until the client goes away) after k
// content chunks. A Response has at most one stall.
func (r Response) StallAfter(k int, d time.Duration) Response {
	r.stall, r.stallFor = trigger{true, k}, d
	return r
}

// MalformedAt sends a chunk of broken JSON after k content chunks, then
// carries on as if nothing happened.
func (r Response) MalformedAt(k int) Response {
	r.malformed = trigger{true, k}
	return r
}

// DropAfter closes the TCP connection abruptly after k content chunks.
func (r Response) DropAfter(k int) Response {
	r.drop = trigger{true, k}
	return r
}

// GroqErrorAfter sends, after k content chunks, a chunk whose x_groq.error
// is msg, then [DONE]: Groq's way of stopping a stream early.
func (r Response) GroqErrorAfter(k int, msg string) Response {
	r.groqErr, r.groqErrMsg = trigger{true, k}, msg
	return r
}

func errorBody(code int) string {
	msg, typ, errCode := http.StatusText(code), "invalid_request_error", ""
	switch {
	case code == http.StatusUnauthorized:
		msg, errCode = "Invalid API Key", "invalid_api_key"
	case code == http.StatusTooManyRequests:
		msg, typ, errCode = "Rate limit reached for model on tokens per minute (TPM). Please try again later.",
			"tokens", "rate_limit_exceeded"
	case code >= 500:
		typ = "internal_server_error"
	}
	if msg == "" {
		msg = "error " + strconv.Itoa(code)
	}
	type apiError struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    string `json:"code,omitempty"`
	}
	b, _ := json.Marshal(map[string]apiError{"error": {msg, typ, errCode}})
	return string(b)
}
