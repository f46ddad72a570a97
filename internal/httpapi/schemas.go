package httpapi

import (
	"time"

	"github.com/supportd/supportd/internal/support"
)

// UserOut is a user as the API shows it: never a password or hash.
type UserOut struct {
	ID        string    `json:"id" format:"uuid"`
	Email     string    `json:"email" format:"email"`
	Role      string    `json:"role" enum:"customer,agent,admin"`
	CreatedAt time.Time `json:"created_at"`
}

func toUserOut(u *support.User) UserOut {
	return UserOut{ID: u.ID, Email: u.Email, Role: string(u.Role), CreatedAt: u.CreatedAt}
}

// TokenOut is the OAuth2 token response.
type TokenOut struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" enum:"bearer"`
	ExpiresIn   int    `json:"expires_in" doc:"Lifetime of the token in seconds"`
}

// TicketOut is a ticket without its thread.
type TicketOut struct {
	ID          string    `json:"id" format:"uuid"`
	UserID      string    `json:"user_id" format:"uuid" doc:"The customer who opened the ticket"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status" enum:"open"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toTicketOut(t *support.Ticket) TicketOut {
	return TicketOut{ID: t.ID, UserID: t.CustomerID, Title: t.Title, Description: t.Description,
		Status: string(t.Status), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// TicketDetailOut is a ticket with its messages, oldest first.
type TicketDetailOut struct {
	TicketOut
	Messages []MessageOut `json:"messages"`
}

// MessageOut is one message of a thread.
type MessageOut struct {
	ID        string    `json:"id" format:"uuid"`
	TicketID  string    `json:"ticket_id" format:"uuid"`
	Sender    string    `json:"sender" enum:"user,agent,ai"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	AI        *AIOut    `json:"ai,omitempty" doc:"Accounting of an AI reply; present when sender is ai"`
}

// AIOut is how an AI reply was produced.
type AIOut struct {
	Provider           string        `json:"provider" example:"groq"`
	Model              string        `json:"model" example:"llama-3.3-70b-versatile"`
	PromptTokens       int           `json:"prompt_tokens"`
	CompletionTokens   int           `json:"completion_tokens"`
	TimeToFirstTokenMS int64         `json:"time_to_first_token_ms"`
	TotalMS            int64         `json:"total_ms"`
	Citations          []CitationOut `json:"citations" doc:"Knowledge-base articles the reply relies on"`
}

// CitationOut names a cited knowledge-base article.
type CitationOut struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func toMessageOut(m *support.Message) MessageOut {
	out := MessageOut{ID: m.ID, TicketID: m.TicketID, Sender: string(m.Sender), Content: m.Content, CreatedAt: m.CreatedAt}
	if ai := m.AI; ai != nil {
		out.AI = &AIOut{Provider: ai.Provider, Model: ai.Model, PromptTokens: ai.PromptTokens,
			CompletionTokens: ai.CompletionTokens, TimeToFirstTokenMS: ai.TimeToFirstToken.Milliseconds(),
			TotalMS: ai.TotalTime.Milliseconds(), Citations: []CitationOut{}}
		for _, c := range ai.Citations {
			out.AI.Citations = append(out.AI.Citations, CitationOut{ID: c.ArticleID, Title: c.Title})
		}
	}
	return out
}

func toMessagesOut(msgs []support.Message) []MessageOut {
	out := make([]MessageOut, len(msgs))
	for i := range msgs {
		out[i] = toMessageOut(&msgs[i])
	}
	return out
}
