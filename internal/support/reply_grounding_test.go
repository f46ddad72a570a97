package support

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/llm"
)

func TestGroundingOf(t *testing.T) {
	given := []llm.Passage{{ArticleID: "a", Title: "Refunds"}}
	cited := []Citation{{ArticleID: "a", Title: "Refunds"}}
	for _, c := range []struct {
		name  string
		req   llm.Request
		cites []Citation
		want  ReplyGrounding
	}{
		{"cites a passage", llm.Request{Passages: given}, cited, GroundingGrounded},
		{"cites none of those given", llm.Request{Passages: given}, nil, GroundingUngrounded},
		{"declined", llm.Request{Declined: true}, nil, GroundingDeclined},
		{"declined wins over a citation", llm.Request{Declined: true, Passages: given}, cited, GroundingDeclined},
		{"nothing given, not declined", llm.Request{}, nil, GroundingNone},
	} {
		if got := groundingOf(c.req, c.cites); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// The question kept with a reply is cut at MaxQuestionRunes whole runes.
func TestReplyQuestionIsCutAtItsLimit(t *testing.T) {
	atLimit := strings.Repeat("é", MaxQuestionRunes)
	if got := firstRunes(atLimit, MaxQuestionRunes); got != atLimit {
		t.Fatalf("a question of exactly %d runes was cut to %d", MaxQuestionRunes, utf8.RuneCountInString(got))
	}
	got := firstRunes(atLimit+"€x", MaxQuestionRunes)
	if got != atLimit || !utf8.ValidString(got) {
		t.Fatalf("cut to %d runes (valid %v), want %d", utf8.RuneCountInString(got), utf8.ValidString(got), MaxQuestionRunes)
	}
	if firstRunes("", MaxQuestionRunes) != "" {
		t.Fatal("empty question")
	}
}
