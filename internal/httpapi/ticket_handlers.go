package httpapi

import (
	"context"

	"github.com/supportd/supportd/internal/support"
)

type listTicketsInput struct {
	PageQuery
}

type listTicketsOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more tickets remain"`
	Body []TicketOut
}

func (s *Server) listTickets(ctx context.Context, in *listTicketsInput) (*listTicketsOutput, error) {
	page, err := s.deps.Tickets.ListTickets(ctx, actorFrom(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listTicketsOutput{Body: make([]TicketOut, len(page.Tickets))}
	for i := range page.Tickets {
		out.Body[i] = toTicketOut(&page.Tickets[i])
	}
	out.Link = s.nextLink(&in.PageQuery, "/tickets", page.NextCursor)
	return out, nil
}

type createTicketInput struct {
	Body struct {
		Title       string `json:"title" doc:"1 to 200 characters after trimming white space; stored as given" example:"Cannot reset my password"`
		Description string `json:"description,omitempty" doc:"Up to 10,000 characters" example:"The reset email never arrives."`
	}
}

type ticketOutput struct{ Body TicketOut }

func (s *Server) createTicket(ctx context.Context, in *createTicketInput) (*ticketOutput, error) {
	t, err := s.deps.Tickets.CreateTicket(ctx, actorFrom(ctx), support.NewTicket{Title: in.Body.Title, Description: in.Body.Description})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &ticketOutput{Body: toTicketOut(t)}, nil
}

type ticketIDInput struct {
	ID string `path:"id" doc:"Ticket id"`
}

type ticketDetailOutput struct{ Body TicketDetailOut }

func (s *Server) getTicket(ctx context.Context, in *ticketIDInput) (*ticketDetailOutput, error) {
	t, msgs, err := s.deps.Tickets.Ticket(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &ticketDetailOutput{Body: TicketDetailOut{TicketOut: toTicketOut(t), Messages: toMessagesOut(msgs)}}, nil
}

type addMessageInput struct {
	ID   string `path:"id" doc:"Ticket id"`
	Body struct {
		Content string `json:"content" doc:"1 to 10,000 characters, not blank; stored as given" example:"I tried again this morning, still nothing."`
	}
}

type messageOutput struct{ Body MessageOut }

func (s *Server) addMessage(ctx context.Context, in *addMessageInput) (*messageOutput, error) {
	m, err := s.deps.Tickets.AddMessage(ctx, actorFrom(ctx), in.ID, in.Body.Content)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &messageOutput{Body: toMessageOut(m)}, nil
}
