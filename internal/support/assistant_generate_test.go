package support

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestCutUTF8(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"hello", 3, "hel"},
		{"hello", 9, "hello"},
		{"a€b", 2, "a"}, // € is three bytes: never split
		{"a€b", 4, "a€"},
		{"€", 0, ""},
	} {
		if got := cutUTF8(c.s, c.n); got != c.want {
			t.Errorf("cutUTF8(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// emit lets a reply grow to exactly its room, cuts the delta that crosses it on a
// rune boundary, and then asks the provider to stop.
func TestEmitStopsAtMaxReplyBytes(t *testing.T) {
	run := &generationRun{g: newGeneration(), pub: &relayPublisher{}, room: 10}
	for _, d := range []string{"12345", "678"} {
		if err := run.emit(d); err != nil {
			t.Fatalf("emit %q: %v", d, err)
		}
	}
	if err := run.emit("9€x"); !errors.Is(err, errReplyCapped) || !run.truncated {
		t.Fatalf("delta crossing the cap: %v, truncated %v", err, run.truncated)
	}
	text, ends := run.g.snapshot()
	if text != "123456789" || !utf8.ValidString(text) || len(ends) != 3 {
		t.Fatalf("reply %q, ends %v", text, ends)
	}
}

func TestCustomerDoneDropsTheAccounting(t *testing.T) {
	full, _ := json.Marshal(newDoneData(&AIReply{ID: "m", Content: "hi", Meta: AIMeta{Provider: "groq", Model: "x",
		PromptTokens: 3, CompletionTokens: 1, Truncated: true, Citations: []Citation{{ArticleID: "a", Title: "T"}}}}))
	want := `{"message_id":"m","content":"hi","citations":[{"id":"a","title":"T"}],"truncated":true}`
	if got := string(customerDone(full)); got != want {
		t.Fatalf("customer done %s, want %s", got, want)
	}
}
