package llm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// BuiltinModel is the model name Builtin reports.
const BuiltinModel = "supportd-builtin"

// BuiltinOptions configures Builtin.
type BuiltinOptions struct {
	// ChunkDelay is the pause between streamed chunks (default 0). A small
	// delay (~20ms) makes a demo look like a model typing.
	ChunkDelay time.Duration
	// WordsPerChunk is how many words each delta carries (default 1).
	WordsPerChunk int
	// Terms returns the search terms (stems) of a text in language lang;
	// the reply quotes the sentences that share the most terms with the
	// question. supportd passes its multilingual analyzer. Default:
	// DefaultBuiltinTerms.
	Terms func(text, lang string) []string
}

// Builtin is an offline responder: it answers by quoting, as plain text,
// the sentences and lists of the best knowledge-base passages that answer
// the question, framed in the customer's language; or it says plainly that
// a person will answer. It needs no network and never fails on its own, so
// it is the natural last link of a Chain.
type Builtin struct {
	opts BuiltinOptions
}

var _ Provider = (*Builtin)(nil)

// NewBuiltin returns a Builtin responder.
func NewBuiltin(opts BuiltinOptions) *Builtin {
	if opts.WordsPerChunk <= 0 {
		opts.WordsPerChunk = 1
	}
	return &Builtin{opts: opts}
}

// Name returns "builtin".
func (b *Builtin) Name() string { return "builtin" }

// Stream writes the reply in small chunks. The reply depends on req alone.
// Usage counts words as tokens.
func (b *Builtin) Stream(ctx context.Context, req Request, emit func(string) error) (Result, error) {
	text, quoted := b.compose(req)
	res := Result{
		Provider:  b.Name(),
		Model:     BuiltinModel,
		Usage:     Usage{PromptTokens: requestWords(req), CompletionTokens: countWords(text)},
		Citations: quoted,
	}
	for i, chunk := range splitChunks(text, b.opts.WordsPerChunk) {
		if err := b.pause(ctx, i); err != nil {
			if i > 0 {
				err = interrupted(err)
			}
			return res, err
		}
		if err := emit(chunk); err != nil {
			return res, err
		}
	}
	return res, nil
}

// pause waits ChunkDelay before every chunk but the first, and reports a
// cancelled context either way.
func (b *Builtin) pause(ctx context.Context, i int) error {
	if i == 0 || b.opts.ChunkDelay <= 0 {
		return ctx.Err()
	}
	return sleepCtx(ctx, b.opts.ChunkDelay)
}

// acknowledgeFiles names the files of the customer's latest message, if any,
// so the reply shows they were received (the built-in responder reads none).
func acknowledgeFiles(thread []Turn, ph builtinPhrases) string {
	for i := len(thread) - 1; i >= 0; i-- {
		t := thread[i]
		if t.Sender != SenderUser {
			continue
		}
		if len(t.Attachments) == 0 {
			return ""
		}
		names := make([]string, len(t.Attachments))
		for j, n := range t.Attachments {
			names[j] = oneLine(n, maxTitleRunes)
		}
		return fmt.Sprintf(ph.Attached, joinNames(names, ph.And))
	}
	return ""
}

// joinNames lists names as a sentence does: "a", "a and b", "a, b and c".
func joinNames(names []string, and string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

func passageTitle(p Passage) string {
	if t := oneLine(p.Title, maxTitleRunes); t != "" {
		return t
	}
	if p.ArticleID != "" {
		return "article " + p.ArticleID
	}
	return "our help center"
}

// splitChunks cuts s into pieces of n words each; every piece keeps the
// whitespace that follows its words, so the pieces concatenate back to s.
func splitChunks(s string, n int) []string {
	var out []string
	start, words, inSpace := 0, 0, false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if !space && inSpace {
			if words++; words == n {
				out = append(out, s[start:i])
				start, words = i, 0
			}
		}
		inSpace = space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// requestWords approximates the prompt size in words.
func requestWords(req Request) int {
	n := countWords(req.System) + countWords(req.TicketTitle) + countWords(req.TicketDescription)
	for _, t := range req.Thread {
		n += countWords(t.Content)
	}
	for _, p := range req.Passages {
		n += countWords(p.Title) + countWords(p.Text)
	}
	return n
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err // a select with both ready would pick at random
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
