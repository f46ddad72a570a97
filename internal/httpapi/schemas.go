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
	// RefreshToken is not in the contract's response; clients that know it can
	// keep a session without storing the password.
	RefreshToken string `json:"refresh_token" doc:"Single-use token for POST /auth/refresh, which returns the next one; a used one presented again ends the session"`
}

// TicketOut is a ticket without its thread.
type TicketOut struct {
	ID          string    `json:"id" format:"uuid"`
	UserID      string    `json:"user_id" format:"uuid" doc:"The customer who opened the ticket"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      string    `json:"status" enum:"open,pending,resolved,closed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// The workflow (issue 11).
	Priority   string     `json:"priority" enum:"low,normal,high,urgent"`
	AssigneeID NullableID `json:"assignee_id" doc:"The agent or admin working the ticket; null when unassigned"`
	Tags       []string   `json:"tags" nullable:"false"`
	Version    int64      `json:"version" doc:"Incremented by every change; the ETag of GET and PATCH /tickets/{id}"`
}

func toTicketOut(t *support.Ticket) TicketOut {
	return TicketOut{ID: t.ID, UserID: t.CustomerID, Title: t.Title, Description: t.Description,
		Status: string(t.Status), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		Priority: string(t.Priority), AssigneeID: NullableID{ID: t.AssigneeID}, Tags: orNoTags(t.Tags), Version: t.Version}
}

// orNoTags shows a missing tag set as [].
func orNoTags(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

// TicketDetailOut is a ticket with its newest messages, oldest first.
type TicketDetailOut struct {
	TicketOut
	Messages        []MessageOut `json:"messages" doc:"The newest messages of the thread (at most TICKET_RECENT_MESSAGES), oldest first"`
	HasMoreMessages bool         `json:"has_more_messages" doc:"True when older messages exist; the Link header (rel=\"prev\") pages through them"`
}

// MessageOut is one message of a thread.
type MessageOut struct {
	ID        string    `json:"id" format:"uuid"`
	TicketID  string    `json:"ticket_id" format:"uuid"`
	Sender    string    `json:"sender" enum:"user,agent,ai"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	AI        *AIOut    `json:"ai,omitempty" doc:"About an AI reply; present when sender is ai"`
	// Attachments is absent on messages without files, so contract clients see
	// the messages they always did.
	Attachments []AttachmentOut `json:"attachments,omitempty" doc:"Files sent with the message (multipart POST); absent when none"`
}

// AttachmentOut is a file sent with a message.
type AttachmentOut struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name" example:"invoice.pdf" doc:"The file's name as sent, made safe (no path, no control characters)"`
	Size        int64     `json:"size" doc:"Bytes"`
	ContentType string    `json:"content_type" example:"application/pdf" doc:"Detected from the file's bytes, not from its name or the client's header"`
	SHA256      string    `json:"sha256" doc:"Hex SHA-256 of the bytes"`
	URL         string    `json:"url" example:"/attachments/0193..." doc:"Where it is downloaded (GET, with the same authorization as its ticket)"`
	CreatedAt   time.Time `json:"created_at"`
}

func toAttachmentsOut(files []support.Attachment) []AttachmentOut {
	if len(files) == 0 {
		return nil
	}
	out := make([]AttachmentOut, len(files))
	for i, f := range files {
		out[i] = AttachmentOut{ID: f.ID, Name: f.Name, Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256,
			URL: "/attachments/" + f.ID, CreatedAt: f.CreatedAt}
	}
	return out
}

// AIOut is how an AI reply was produced. Customers see its citations and
// whether it was cut off; the accounting (provider, model, tokens, timings) is
// for staff only and omitted for customers.
type AIOut struct {
	Provider           string        `json:"provider,omitempty" example:"groq" doc:"Staff only"`
	Model              string        `json:"model,omitempty" example:"llama-3.3-70b-versatile" doc:"Staff only"`
	PromptTokens       *int          `json:"prompt_tokens,omitempty" doc:"Staff only"`
	CompletionTokens   *int          `json:"completion_tokens,omitempty" doc:"Staff only"`
	TimeToFirstTokenMS *int64        `json:"time_to_first_token_ms,omitempty" doc:"Staff only"`
	TotalMS            *int64        `json:"total_ms,omitempty" doc:"Staff only"`
	Citations          []CitationOut `json:"citations" doc:"Knowledge-base articles the reply relies on"`
	Truncated          bool          `json:"truncated" doc:"The reply reached the maximum reply size (AI_MAX_REPLY_BYTES) and was cut off there"`
}

// CitationOut names a cited knowledge-base article.
type CitationOut struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// toMessageOut shows m to a customer, or with the AI accounting to staff.
func toMessageOut(m *support.Message, staff bool) MessageOut {
	out := MessageOut{ID: m.ID, TicketID: m.TicketID, Sender: string(m.Sender), Content: m.Content, CreatedAt: m.CreatedAt,
		Attachments: toAttachmentsOut(m.Attachments)}
	if ai := m.AI; ai != nil {
		out.AI = &AIOut{Citations: []CitationOut{}, Truncated: ai.Truncated}
		for _, c := range ai.Citations {
			out.AI.Citations = append(out.AI.Citations, CitationOut{ID: c.ArticleID, Title: c.Title})
		}
		if staff {
			ttft, total := ai.TimeToFirstToken.Milliseconds(), ai.TotalTime.Milliseconds()
			out.AI.Provider, out.AI.Model = ai.Provider, ai.Model
			out.AI.PromptTokens, out.AI.CompletionTokens = &ai.PromptTokens, &ai.CompletionTokens
			out.AI.TimeToFirstTokenMS, out.AI.TotalMS = &ttft, &total
		}
	}
	return out
}

func toMessagesOut(msgs []support.Message, staff bool) []MessageOut {
	out := make([]MessageOut, len(msgs))
	for i := range msgs {
		out[i] = toMessageOut(&msgs[i], staff)
	}
	return out
}
