package llm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRequestBodyIsExactlyTheChatRequest(t *testing.T) {
	o := NewOpenAI(OpenAIConfig{Model: "llama-3.3-70b-versatile", MaxTokens: 500})
	msgs := []Message{
		{RoleSystem, "Rules: <b>never</b> & always cite."},
		{RoleUser, "Ticket \"quoted\"\nline two, café ✓"},
		{RoleAssistant, "[Support agent] On it."},
		{"tool", "an unknown role is sent as the customer"},
	}
	body, err := o.requestBody(Request{MaxTokens: 300}, msgs)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	want := map[string]any{
		"model": "llama-3.3-70b-versatile",
		"messages": []any{
			map[string]any{"role": "system", "content": "Rules: <b>never</b> & always cite."},
			map[string]any{"role": "user", "content": "Ticket \"quoted\"\nline two, café ✓"},
			map[string]any{"role": "assistant", "content": "[Support agent] On it."},
			map[string]any{"role": "user", "content": "an unknown role is sent as the customer"},
		},
		"max_tokens": float64(300),
		"stream":     true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body decodes to\n%#v\nwant\n%#v", got, want)
	}
	if !bytes.Contains(body, []byte("<b>never</b> &")) {
		t.Errorf("HTML characters escaped needlessly: %s", body)
	}
}

func TestRequestBodyMaxTokens(t *testing.T) {
	o := NewOpenAI(OpenAIConfig{MaxTokens: 500})
	for _, tc := range []struct{ asked, want int }{{0, 500}, {-1, 500}, {100, 100}, {500, 500}, {9000, 500}} {
		body, err := o.requestBody(Request{MaxTokens: tc.asked}, []Message{{RoleUser, "hi"}})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			MaxTokens int `json:"max_tokens"`
		}
		if err := json.Unmarshal(body, &got); err != nil || got.MaxTokens != tc.want {
			t.Errorf("asked %d: max_tokens %d (err %v), want %d", tc.asked, got.MaxTokens, err, tc.want)
		}
	}
}

func TestChatCompletionsURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://api.groq.com/openai/v1":   "https://api.groq.com/openai/v1/chat/completions",
		"https://api.groq.com/openai/v1/":  "https://api.groq.com/openai/v1/chat/completions",
		"https://api.groq.com/openai/v1//": "https://api.groq.com/openai/v1/chat/completions",
		"http://127.0.0.1:8080":            "http://127.0.0.1:8080/chat/completions",
		"http://127.0.0.1:8080/":           "http://127.0.0.1:8080/chat/completions",
	} {
		if got := chatCompletionsURL(base); got != want {
			t.Errorf("chatCompletionsURL(%q) = %q, want %q", base, got, want)
		}
	}
}

func TestAPIMessage(t *testing.T) {
	long := strings.Repeat("word ", 2000)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"openai shape", `{"error":{"message":"Rate limit reached","type":"tokens"}}`, "Rate limit reached"},
		{"message on several lines", `{"error":{"message":"  bad\n\trequest  "}}`, "bad request"},
		{"no message", `{"error":{"type":"server_error"}}`, "Bad Gateway"},
		{"null message", `{"error":{"message":null}}`, "Bad Gateway"},
		{"blank message", `{"error":{"message":"  "}}`, "Bad Gateway"},
		{"message not a string", `{"error":{"message":{"text":"x"}}}`, "Bad Gateway"},
		{"error as a string", `{"error":"nope"}`, "Bad Gateway"},
		{"html", "<html><body><h1>502 Bad Gateway</h1></body></html>", "Bad Gateway"},
		{"empty", "", "Bad Gateway"},
		{"cut short after the message", `{"error":{"message":"quota exceeded","padding":"xxxxxxxx`, "quota exceeded"},
	} {
		if got := apiMessage([]byte(tc.body), http.StatusBadGateway); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	got := apiMessage([]byte(`{"error":{"message":"`+long+`"}}`), http.StatusBadGateway)
	if n := utf8.RuneCountInString(got); n > 300 || !strings.HasPrefix(got, "word word") {
		t.Errorf("long message: %d runes, %.40q…", n, got)
	}
	if got := apiMessage(nil, 599); got != "upstream error" {
		t.Errorf("unknown status without a message: %q", got)
	}
}
