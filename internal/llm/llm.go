// Package llm produces AI replies to support tickets. It holds everything
// between the service layer's call to Provider.Stream and the model:
// an OpenAI-compatible streaming provider (Groq by default), a built-in
// offline responder, a Chain that adds retries, circuit breaking and
// fallback, the prompt builder and its token budget.
//
// The package keeps no mutable package-level state: sleeps, jitter, the
// HTTP client and the logger are passed in through the Config and Options
// structs. Package llmtest holds a fake Groq server for tests.
package llm

import "context"

// Turn is one message of a ticket's thread.
type Turn struct {
	Sender  string // SenderUser (the customer), SenderAgent (a human agent) or SenderAI
	Content string
	// Attachments are the names of the files sent with the turn: the model
	// is told of them, never given their bytes.
	Attachments []string
}

// Thread senders, as stored by the support domain.
const (
	SenderUser  = "user"
	SenderAgent = "agent"
	SenderAI    = "ai"
)

// Passage is a knowledge-base passage retrieved for the ticket. Passages are
// passed best first; the order is their rank.
type Passage struct {
	ArticleID string
	Title     string
	Text      string
}

// Request is everything a provider needs to write one reply.
type Request struct {
	System            string // configured system prompt
	TicketTitle       string
	TicketDescription string
	Thread            []Turn // whole thread, oldest first
	Passages          []Passage
	// Question is the customer's latest words, which retrieval answered;
	// Language is the language they are written in ("en", "es", "fr", "de",
	// "pt", "it", "nl"; "" when unknown). The built-in responder picks the
	// sentences that answer Question and frames its reply in Language.
	Question string
	Language string
	// Declined says retrieval found nothing that covers the question (or the
	// question is off-topic, chit-chat or an attempt to extract instructions
	// or data): the reply must say plainly that a person will answer, citing
	// nothing. Only the built-in responder is asked to write such a reply.
	Declined bool
	// MaxTokens bounds the reply. It is always sent upstream, capped by the
	// provider's configured maximum; zero means "use the provider's maximum".
	MaxTokens int
}

// Usage counts tokens as reported by the provider (or estimated by Builtin).
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}

// Result describes a finished reply. The text itself has already been
// delivered through emit.
type Result struct {
	Provider string // the provider that actually answered, never "chain"
	Model    string
	Usage    Usage
	// Citations are the passages the reply relies on. Builtin returns the
	// passages it quoted. OpenAI returns the prompt passages the reply refers
	// to by number ("[2]") or by title, and none when it refers to none (the
	// reply is then recorded as ungrounded).
	Citations []Passage
}

// Provider generates one reply. emit is called for each content delta, in
// order; if emit returns an error the provider stops and returns that error.
// A failure after at least one delta was emitted satisfies
// errors.Is(err, ErrInterrupted), because a caller must not retry it (the
// customer has already seen part of the reply).
type Provider interface {
	Name() string
	Stream(ctx context.Context, req Request, emit func(delta string) error) (Result, error)
}
