package support

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/llm"
)

// Answer is a reply written outside any ticket (Assistant.Answer).
type Answer struct {
	Grounding Grounding
	Text      string
	Result    llm.Result
	Retrieval time.Duration // grounding the question
	Total     time.Duration // grounding and the whole reply
}

// Answer writes the reply the assistant would give to question as the first
// message of a new ticket, through the same grounding and providers, without
// storing anything or counting toward any limit: for `supportd eval`, which
// measures the assistant on a question set.
func (a *Assistant) Answer(ctx context.Context, question string) (Answer, error) {
	began := time.Now()
	g, err := a.kb.Ground(ctx, question, "", a.cfg.Passages)
	if err != nil {
		return Answer{}, fmt.Errorf("answer: %w", err)
	}
	ans := Answer{Grounding: g, Retrieval: time.Since(began)}
	req := llm.Request{System: a.cfg.SystemPrompt, MaxTokens: a.cfg.MaxTokens,
		Thread:   []llm.Turn{{Sender: llm.SenderUser, Content: question}},
		Question: question, Language: string(g.Language), Declined: g.Declined}
	for _, p := range g.Passages {
		req.Passages = append(req.Passages, llm.Passage{ArticleID: p.ArticleID, Title: p.Title, Text: passageText(p)})
	}
	gen := a.gen
	if g.Declined {
		gen = a.decline
	}
	var text strings.Builder
	ans.Result, err = gen.Stream(ctx, req, func(delta string) error {
		text.WriteString(delta)
		return nil
	})
	if err != nil {
		return Answer{}, fmt.Errorf("answer: %w", err)
	}
	ans.Text, ans.Total = text.String(), time.Since(began)
	return ans, nil
}
