package llm

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// BuiltinModel is the model name Builtin reports.
const BuiltinModel = "supportd-builtin"

const (
	builtinMaxQuotes  = 3
	builtinQuoteRunes = 320 // a few sentences: enough to help, short enough to read
)

// BuiltinOptions configures Builtin.
type BuiltinOptions struct {
	// ChunkDelay is the pause between streamed chunks (default 0). A small
	// delay (~20ms) makes a demo look like a model typing.
	ChunkDelay time.Duration
	// WordsPerChunk is how many words each delta carries (default 1).
	WordsPerChunk int
}

// Builtin is an offline responder: it answers by quoting the best
// knowledge-base passages, or says plainly that it found nothing. It needs
// no network and never fails on its own, so it is the natural last link of
// a Chain.
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

// Stream writes the reply in small chunks. Usage counts words as tokens.
func (b *Builtin) Stream(ctx context.Context, req Request, emit func(string) error) (Result, error) {
	quoted := bestPassages(req.Passages, builtinMaxQuotes)
	text := acknowledgeFiles(req.Thread) + composeBuiltinReply(quoted)
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

// bestPassages returns up to n passages that have text, in rank order.
func bestPassages(ps []Passage, n int) []Passage {
	var out []Passage
	for _, p := range ps {
		if len(out) == n {
			break
		}
		if strings.TrimSpace(p.Text) != "" {
			out = append(out, p)
		}
	}
	return out
}

// acknowledgeFiles names the files of the customer's latest message, if any,
// so the reply shows they were received (the built-in responder reads none).
func acknowledgeFiles(thread []Turn) string {
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
		return "I see you attached " + joinNames(names) + "; a member of our team will look at it. "
	}
	return ""
}

// joinNames lists names as a sentence does: "a", "a and b", "a, b and c".
func joinNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func composeBuiltinReply(quoted []Passage) string {
	if len(quoted) == 0 {
		return "Thanks for reaching out. I couldn't find anything in our help center about this, " +
			"so a member of our support team will follow up with you here."
	}
	var b strings.Builder
	b.WriteString("Thanks for reaching out. Here is what our help center says about this:\n\n")
	for _, p := range quoted {
		b.WriteString("“" + excerpt(p.Text, builtinQuoteRunes) + "”\n")
		b.WriteString("— from “" + passageTitle(p) + "”\n\n")
	}
	b.WriteString("If this doesn't fully answer your question, reply here and a member of our support team will follow up.")
	return b.String()
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

// excerpt flattens text to one paragraph and shortens it to whole sentences
// when possible, else to whole words.
func excerpt(text string, maxRunes int) string {
	flat := strings.Join(strings.Fields(text), " ")
	short := truncateWords(flat, maxRunes)
	if short == flat {
		return flat
	}
	cut := flat[:runeOffset(flat, maxRunes)]
	end := max(strings.LastIndex(cut, ". "), strings.LastIndex(cut, "! "), strings.LastIndex(cut, "? "))
	if end >= len(cut)/3 {
		return cut[:end+1]
	}
	return short
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
