package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

func rateMessageOperation() huma.Operation {
	o := op("rate-message", http.MethodPut, "/messages/{id}/feedback", "Rate an AI message helpful or not", "assistant",
		0, authenticated, 401, 404, 413, 422)
	o.Description = "Only the assistant's messages can be rated (422 for others), on a ticket you can see " +
		"(customers: their own; agents and admins: any). Rating again replaces your rating. " +
		"\"Not helpful\" ratings appear in GET /ai/unanswered."
	return o
}

func listUnansweredOperation() huma.Operation {
	o := op("list-unanswered", http.MethodGet, "/ai/unanswered",
		"The questions the assistant could not answer, grouped by topic (agents and admins)", "assistant",
		0, authenticated, 400, 401, 403, 422)
	o.Description = "Questions the assistant declined (nothing in the knowledge base covered them), answered without " +
		"citing an article (ungrounded), or whose answer was rated not helpful, grouped by the key terms they share, " +
		"largest group first, so you know which articles to write. Each AI message counts once per group; `reasons` " +
		"counts each occurrence. At most the newest 1,000 occurrences since `since` are grouped."
	return o
}

// FeedbackOut is a rating as the API shows it.
type FeedbackOut struct {
	MessageID string    `json:"message_id"`
	UserID    string    `json:"user_id"`
	Helpful   bool      `json:"helpful"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at" doc:"When you first rated the message"`
	UpdatedAt time.Time `json:"updated_at" doc:"When you last rated it"`
}

type rateMessageInput struct {
	ID   string `path:"id" doc:"Message id"`
	Body struct {
		Helpful bool   `json:"helpful" doc:"Whether the answer helped"`
		Comment string `json:"comment,omitempty" doc:"Optional: what was missing or wrong; at most 2,000 characters after trimming white space" example:"It did not say how to export to CSV"`
	}
}

type feedbackOutput struct{ Body FeedbackOut }

func (s *Server) rateMessage(ctx context.Context, in *rateMessageInput) (*feedbackOutput, error) {
	f, err := s.deps.Feedback.Rate(ctx, actorFrom(ctx), in.ID,
		support.FeedbackInput{Helpful: in.Body.Helpful, Comment: in.Body.Comment})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &feedbackOutput{Body: FeedbackOut{MessageID: f.MessageID, UserID: f.UserID, Helpful: f.Helpful,
		Comment: f.Comment, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}}, nil
}

type messageIDInput struct {
	ID string `path:"id" doc:"Message id"`
}

func (s *Server) unrateMessage(ctx context.Context, in *messageIDInput) (*struct{}, error) {
	if err := s.deps.Feedback.Unrate(ctx, actorFrom(ctx), in.ID); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}

// UnansweredGroupOut is one topic of GET /ai/unanswered.
type UnansweredGroupOut struct {
	Terms    []string               `json:"terms" doc:"The key terms the group's questions share, most distinctive first" example:"[\"export\", \"invoices\"]"`
	Count    int                    `json:"count" doc:"How many AI messages the group holds"`
	Reasons  UnansweredReasonsOut   `json:"reasons"`
	Examples []UnansweredExampleOut `json:"examples" doc:"Up to 5 of the group's newest questions"`
}

// UnansweredReasonsOut counts a group's occurrences by reason.
type UnansweredReasonsOut struct {
	Declined   int `json:"declined" doc:"Replies that said nothing in the knowledge base covered the question"`
	Ungrounded int `json:"ungrounded" doc:"Replies given without citing an article"`
	Unhelpful  int `json:"unhelpful" doc:"\"Not helpful\" ratings"`
}

// UnansweredExampleOut is one question of a group.
type UnansweredExampleOut struct {
	TicketID  string    `json:"ticket_id"`
	MessageID string    `json:"message_id" doc:"The AI message that answered it"`
	Question  string    `json:"question" doc:"The customer's words"`
	Language  string    `json:"language" doc:"The question's language, e.g. en; empty when unknown"`
	Reason    string    `json:"reason" enum:"declined,ungrounded,unhelpful"`
	Comment   string    `json:"comment" doc:"The rating's comment, for reason unhelpful"`
	CreatedAt time.Time `json:"created_at" doc:"When the reply was written, or the rating last changed"`
}

type listUnansweredInput struct {
	Since time.Time `query:"since" doc:"Only what happened at or after this time (RFC 3339); default 30 days ago"`
	Limit int       `query:"limit" doc:"Groups: default 20, values above 100 are treated as 100" example:"20"`
}

type listUnansweredOutput struct {
	Body []UnansweredGroupOut
}

func (s *Server) listUnanswered(ctx context.Context, in *listUnansweredInput) (*listUnansweredOutput, error) {
	groups, err := s.deps.Feedback.Unanswered(ctx, actorFrom(ctx), support.UnansweredQuery{Since: in.Since, Limit: in.Limit})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listUnansweredOutput{Body: make([]UnansweredGroupOut, len(groups))}
	for i, g := range groups {
		out.Body[i] = toUnansweredGroupOut(g)
	}
	return out, nil
}

func toUnansweredGroupOut(g support.UnansweredGroup) UnansweredGroupOut {
	out := UnansweredGroupOut{Terms: g.Terms, Count: g.Count, Examples: make([]UnansweredExampleOut, len(g.Examples)),
		Reasons: UnansweredReasonsOut{Declined: g.Reasons[support.ReasonDeclined],
			Ungrounded: g.Reasons[support.ReasonUngrounded], Unhelpful: g.Reasons[support.ReasonUnhelpful]}}
	if out.Terms == nil {
		out.Terms = []string{}
	}
	for i, e := range g.Examples {
		out.Examples[i] = UnansweredExampleOut{TicketID: e.TicketID, MessageID: e.MessageID, Question: e.Question,
			Language: e.Language, Reason: e.Reason, Comment: e.Comment, CreatedAt: e.CreatedAt}
	}
	return out
}
