package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

type listTicketsInput struct {
	PageQuery
	Status        []string `query:"status,explode" doc:"Only tickets in one of these statuses: open, pending, resolved, closed. Comma-separated or repeated (status=open,pending or status=open&status=pending)" example:"open,pending"`
	Priority      []string `query:"priority,explode" doc:"Staff only. Only tickets with one of these priorities: low, normal, high, urgent. Comma-separated or repeated" example:"urgent,high"`
	Assignee      string   `query:"assignee" doc:"Staff only. Only tickets assigned to this user id, to the caller (me) or to nobody (none)" example:"me"`
	Tag           string   `query:"tag" doc:"Staff only. Only tickets carrying this tag (a-z, 0-9, - and _, up to 32 characters; matched lower-cased)" example:"billing"`
	Customer      string   `query:"customer" doc:"Staff only. Only the tickets of this customer (a user id)" example:"0192f5e0-7c1a-7000-8000-000000000001"`
	CreatedAfter  string   `query:"created_after" format:"date-time" doc:"Staff only. Only tickets created at or after this RFC 3339 time" example:"2026-01-01T00:00:00Z"`
	CreatedBefore string   `query:"created_before" format:"date-time" doc:"Staff only. Only tickets created strictly before this RFC 3339 time" example:"2026-02-01T00:00:00Z"`
	UpdatedAfter  string   `query:"updated_after" format:"date-time" doc:"Staff only. Only tickets updated at or after this RFC 3339 time" example:"2026-01-01T00:00:00Z"`
	UpdatedBefore string   `query:"updated_before" format:"date-time" doc:"Staff only. Only tickets updated strictly before this RFC 3339 time" example:"2026-02-01T00:00:00Z"`
	Q             string   `query:"q" maxLength:"200" doc:"Full text over the title, the description and every message (never internal notes); English words are stemmed. All words must match; on PostgreSQL \"a phrase\", -word and or also work" example:"refund invoice"`
	Sort          string   `query:"sort" enum:"created,updated,priority" doc:"Order (default created). created: newest first; updated: most recently updated first; priority: urgent first, then newest. A cursor belongs to its sort: using it with another is 400"`
}

// listTicketsOperation documents who may use which filter.
func listTicketsOperation() huma.Operation {
	o := op("list-tickets", http.MethodGet, "/tickets", "List tickets: yours, or the agent queue", "tickets", 0, authenticated, 400, 401, 403, 422)
	o.Description = "Customers list their own tickets and may narrow them with `status` and `q`; " +
		"any other filter from a customer is `403`. Agents and admins list every ticket and may use every " +
		"filter: the agent queue. Filters combine with AND; the values of `status` and `priority` with OR. " +
		"Pages are keyset pages in the order of `sort`: follow `Link: <...>; rel=\"next\"` (which repeats the " +
		"filters) until it is absent. Invalid values are `422` with one error per bad value."
	return o
}

type listTicketsOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more tickets remain"`
	Body []TicketOut
}

func (s *Server) listTickets(ctx context.Context, in *listTicketsInput) (*listTicketsOutput, error) {
	page, err := s.deps.Tickets.ListTickets(ctx, actorFrom(ctx), support.TicketQuery{
		Statuses: in.Status, Priorities: in.Priority, Assignee: in.Assignee, Tag: in.Tag, Customer: in.Customer,
		CreatedAfter: in.CreatedAfter, CreatedBefore: in.CreatedBefore, UpdatedAfter: in.UpdatedAfter,
		UpdatedBefore: in.UpdatedBefore, Query: in.Q, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listTicketsOutput{Body: make([]TicketOut, len(page.Tickets))}
	for i := range page.Tickets {
		out.Body[i] = toTicketOut(&page.Tickets[i])
	}
	if page.NextCursor != "" {
		q := pageParams("cursor", page.NextCursor, in.Limit)
		in.filters(q)
		out.Link = s.link("/tickets", q, "next")
	}
	return out, nil
}

// filters adds the listing's filters and sort to a page link's query, as sent.
func (in *listTicketsInput) filters(q url.Values) {
	for _, p := range []struct {
		name   string
		values []string
	}{
		{"status", in.Status}, {"priority", in.Priority}, {"assignee", []string{in.Assignee}}, {"tag", []string{in.Tag}},
		{"customer", []string{in.Customer}}, {"created_after", []string{in.CreatedAfter}},
		{"created_before", []string{in.CreatedBefore}}, {"updated_after", []string{in.UpdatedAfter}},
		{"updated_before", []string{in.UpdatedBefore}}, {"q", []string{in.Q}}, {"sort", []string{in.Sort}},
	} {
		for _, v := range p.values {
			if v != "" {
				q.Add(p.name, v)
			}
		}
	}
}

type createTicketInput struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes a retry safe: a key you generate per request (1 to 255 printable ASCII characters, e.g. a UUID; bare or as a quoted string). The first answer is kept 24 hours and replayed to a retry with the same key and the same request, with Idempotent-Replayed: true. Keys are yours alone (per user)." example:"8e03978e-40d5-43e8-bc93-6894a57f9324"`
	Body           struct {
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

type ticketDetailOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the older messages, rel=\"prev\", present when messages holds only the newest part of the thread"`
	ETag string `header:"ETag" doc:"The ticket's version, for PATCH /tickets/{id}'s If-Match"`
	Body TicketDetailOut
}

// getTicketOperation documents how GET /tickets/{id} bounds its thread.
func getTicketOperation() huma.Operation {
	o := op("get-ticket", http.MethodGet, "/tickets/{id}", "A ticket and its newest messages, oldest first", "tickets", 0, authenticated, 401, 404)
	o.Description = "`messages` holds the newest messages of the thread (at most `TICKET_RECENT_MESSAGES`, " +
		"100 by default), oldest first. When the thread is longer, `has_more_messages` is true and the " +
		"`Link` header carries `<...>; rel=\"prev\"`: a page of `GET /tickets/{id}/messages` walking backward " +
		"from the oldest message shown here. Follow each page's own `rel=\"prev\"` link to read every " +
		"older message exactly once."
	return o
}

func (s *Server) getTicket(ctx context.Context, in *ticketIDInput) (*ticketDetailOutput, error) {
	d, err := s.deps.Tickets.TicketDetail(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &ticketDetailOutput{Body: TicketDetailOut{TicketOut: toTicketOut(d.Ticket),
		Messages: toMessagesOut(d.Messages, staffView(ctx)), HasMoreMessages: d.OlderCursor != ""}, ETag: etag(d.Ticket.Version)}
	if d.OlderCursor != "" {
		out.Link = s.link(messagesPath(d.Ticket.ID), pageParams("before", d.OlderCursor, 0), "prev")
	}
	return out, nil
}

type listMessagesInput struct {
	ID string `path:"id" doc:"Ticket id"`
	PageQuery
	Before string `query:"before" doc:"Opaque cursor from a rel=\"prev\" Link header: walk backward, returning the messages just before it (cannot be combined with cursor)"`
}

type listMessagesOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page (rel=\"next\") of a forward walk, or the previous page (rel=\"prev\") of a backward walk, present while the walk goes on"`
	Body []MessageOut
}

// listMessagesOperation documents the two walks through a thread.
func listMessagesOperation() huma.Operation {
	o := op("list-messages", http.MethodGet, "/tickets/{id}/messages", "Page through a ticket's messages, oldest first", "tickets", 0, authenticated, 400, 401, 404, 422)
	o.Description = "Keyset pages of the whole thread, each oldest first, with the cursor format and `limit` " +
		"rules of `GET /tickets`. Without `before` the walk goes forward from the first message: follow " +
		"`Link: <...>; rel=\"next\"` until it is absent to read the thread in order, each message exactly " +
		"once even while messages are added. With `before` (from the `rel=\"prev\"` link of " +
		"`GET /tickets/{id}` or of a previous backward page) the walk goes backward: each page holds the " +
		"messages just older than the last, and `rel=\"prev\"` leads further back until it is absent. " +
		"A ticket the caller may not see is `404`, exactly as a missing one. Links are relative references, " +
		"absolute under `PUBLIC_URL` when it is set."
	return o
}

func (s *Server) listMessages(ctx context.Context, in *listMessagesInput) (*listMessagesOutput, error) {
	page, err := s.deps.Tickets.Thread(ctx, actorFrom(ctx), in.ID, in.Cursor, in.Before, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listMessagesOutput{Body: toMessagesOut(page.Messages, staffView(ctx))}
	switch {
	case page.NextCursor != "":
		out.Link = s.nextLink(&in.PageQuery, messagesPath(in.ID), page.NextCursor)
	case page.PrevCursor != "":
		out.Link = s.link(messagesPath(in.ID), pageParams("before", page.PrevCursor, in.Limit), "prev")
	}
	return out, nil
}

func messagesPath(ticketID string) string {
	return "/tickets/" + url.PathEscape(ticketID) + "/messages"
}

type addMessageInput struct {
	ID             string `path:"id" doc:"Ticket id"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes a retry safe: a key you generate per request (1 to 255 printable ASCII characters, e.g. a UUID; bare or as a quoted string). The first answer is kept 24 hours and replayed to a retry with the same key and the same request, with Idempotent-Replayed: true. Keys are yours alone (per user)." example:"8e03978e-40d5-43e8-bc93-6894a57f9324"`
	Body           struct {
		Content string `json:"content" doc:"1 to 10,000 characters, not blank; stored as given" example:"I tried again this morning, still nothing."`
	}
}

type messageOutput struct{ Body MessageOut }

func (s *Server) addMessage(ctx context.Context, in *addMessageInput) (*messageOutput, error) {
	m, err := s.deps.Tickets.AddMessage(ctx, actorFrom(ctx), in.ID, in.Body.Content)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &messageOutput{Body: toMessageOut(m, staffView(ctx))}, nil
}
