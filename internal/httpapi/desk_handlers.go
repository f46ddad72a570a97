package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

// NullableID is a user id, or JSON null for none. In a request, a field of
// this type that is absent leaves the value unchanged (Sent is false).
type NullableID struct {
	ID   string
	Sent bool
}

// MarshalJSON writes "" as null.
func (n NullableID) MarshalJSON() ([]byte, error) {
	if n.ID == "" {
		return []byte("null"), nil
	}
	return json.Marshal(n.ID)
}

// UnmarshalJSON takes a string or null.
func (n *NullableID) UnmarshalJSON(b []byte) error {
	n.Sent = true
	if bytes.Equal(b, []byte("null")) {
		n.ID = ""
		return nil
	}
	return json.Unmarshal(b, &n.ID)
}

// Schema is a string or null, without a type list (see TestOpenAPINoNullableArrays).
func (NullableID) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{AnyOf: []*huma.Schema{{Type: huma.TypeString, MaxLength: new(64)}, {Type: "null"}}}
}

// etag is a ticket's version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// parseIfMatch reads an If-Match header: nil when absent or "*" (any current
// version), else the version it names. A list, a weak tag or anything that is
// not one of our tags can match no version: it gives -1, which is stale.
func parseIfMatch(h string) *int64 {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return nil
	}
	v := int64(-1)
	if s, ok := strings.CutPrefix(h, `"`); ok {
		if s, ok = strings.CutSuffix(s, `"`); ok {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
				v = n
			}
		}
	}
	return &v
}

type patchTicketInput struct {
	ID      string `path:"id" doc:"Ticket id"`
	IfMatch string `header:"If-Match" doc:"The ETag of GET /tickets/{id} (or of the last PATCH): the change applies only if the ticket is still at that version, else 412. Without it the change applies to the current ticket."`
	Body    struct {
		Status     *string    `json:"status,omitempty" nullable:"false" enum:"open,pending,resolved,closed" doc:"Staff: open->pending|resolved|closed, pending->open|resolved|closed, resolved->open|closed, closed->open. Customers, on their own ticket: open|pending|resolved->closed, resolved|closed->open. Anything else is 409"`
		Priority   *string    `json:"priority,omitempty" nullable:"false" enum:"low,normal,high,urgent" doc:"Staff only"`
		AssigneeID NullableID `json:"assignee_id,omitzero" required:"false" doc:"An agent's or admin's user id, \"me\" for yourself, or null to unassign. Staff only"`
		Tags       *[]string  `json:"tags,omitempty" nullable:"false" doc:"The whole new set: up to 20 tags of 1 to 32 characters of a-z, 0-9, - and _ (trimmed and lower-cased). Staff only"`
	}
}

type ticketETagOutput struct {
	ETag string `header:"ETag" doc:"The ticket's version, for If-Match"`
	Body TicketOut
}

// patchTicketOperation documents the workflow and optimistic concurrency.
func patchTicketOperation() huma.Operation {
	o := op("update-ticket", http.MethodPatch, "/tickets/{id}", "Change a ticket's status, priority, assignee or tags", "tickets",
		0, authenticated, 401, 403, 404, 409, 412, 413, 415, 422)
	o.Description = "Every field is optional; an empty body is `422`. Staff change every field; a customer changes " +
		"only `status` of their own ticket, within the customer transitions (any other field is `403`). A " +
		"transition not allowed is `409` naming both statuses; setting the current status again changes nothing. " +
		"Send `If-Match` with the `ETag` of your last read: if the ticket changed since, the answer is `412` and " +
		"nothing is written, so two agents never silently overwrite each other. The response carries the new `ETag`."
	return o
}

func (s *Server) patchTicket(ctx context.Context, in *patchTicketInput) (*ticketETagOutput, error) {
	var c support.TicketChanges
	if b := in.Body; b.Status != nil {
		st := support.Status(*b.Status)
		c.Status = &st
	}
	if b := in.Body; b.Priority != nil {
		p := support.Priority(*b.Priority)
		c.Priority = &p
	}
	if in.Body.AssigneeID.Sent {
		c.AssigneeID = &in.Body.AssigneeID.ID
	}
	c.Tags = in.Body.Tags
	t, err := s.deps.Tickets.UpdateTicket(ctx, actorFrom(ctx), in.ID, parseIfMatch(in.IfMatch), c)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &ticketETagOutput{ETag: etag(t.Version), Body: toTicketOut(t)}, nil
}

// EventOut is one entry of a ticket's history.
type EventOut struct {
	ID        int64      `json:"id" doc:"Increasing across all tickets: the cursor for after"`
	TicketID  string     `json:"ticket_id" format:"uuid"`
	ActorID   NullableID `json:"actor_id" doc:"Who made the change; null for the AI or the system"`
	Type      string     `json:"type" enum:"created,status,priority,assignee,tags,message,note,ai_reply,ai_reply_started,ai_reply_failed,attachment"`
	Old       any        `json:"old" doc:"The value before (JSON), null when none"`
	New       any        `json:"new" doc:"The value after (JSON); for message, note and ai_reply the message's or note's id; for attachment {id, name, size, content_type, message_id or note_id}"`
	Internal  bool       `json:"internal" doc:"Staff only (notes); customers never receive internal events"`
	CreatedAt time.Time  `json:"created_at"`
}

func toEventOut(e *support.Event) EventOut {
	return EventOut{ID: e.ID, TicketID: e.TicketID, ActorID: NullableID{ID: e.ActorID}, Type: string(e.Type),
		Old: rawOrNil(e.Old), New: rawOrNil(e.New), Internal: e.Internal, CreatedAt: e.CreatedAt}
}

// rawOrNil keeps a stored JSON value as it is; nil is null.
func rawOrNil(v json.RawMessage) any {
	if v == nil {
		return nil
	}
	return v
}

type listEventsInput struct {
	ID    string `path:"id" doc:"Ticket id"`
	After int64  `query:"after" minimum:"0" doc:"Event id from the previous page's Link header: the events after it"`
	Limit int    `query:"limit" doc:"Page size: default 50, values above 200 are treated as 200" example:"50"`
}

type listEventsOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more events remain"`
	Body []EventOut
}

// listEventsOperation documents who sees which events and how to follow the log.
func listEventsOperation() huma.Operation {
	o := op("list-ticket-events", http.MethodGet, "/tickets/{id}/events", "A ticket's history, oldest first", "tickets",
		0, authenticated, 401, 404, 422)
	o.Description = "Every change to the ticket (created, status, priority, assignee, tags, message, note, AI reply), " +
		"written in the same transaction as the change: who, what, old and new value, when. Staff see every event; " +
		"customers see the events of their own tickets that are not `internal` (notes are). Follow " +
		"`Link: <...>; rel=\"next\"` until it is absent; keep the last id to read only newer events later."
	return o
}

func (s *Server) listEvents(ctx context.Context, in *listEventsInput) (*listEventsOutput, error) {
	page, err := s.deps.Tickets.Events(ctx, actorFrom(ctx), in.ID, in.After, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listEventsOutput{Body: make([]EventOut, len(page.Events))}
	for i := range page.Events {
		out.Body[i] = toEventOut(&page.Events[i])
	}
	if page.Next != 0 {
		out.Link = s.link(ticketPath(in.ID, "events"), pageParams("after", strconv.FormatInt(page.Next, 10), in.Limit), "next")
	}
	return out, nil
}

func ticketPath(ticketID, sub string) string {
	return "/tickets/" + url.PathEscape(ticketID) + "/" + sub
}

// NoteOut is a staff-only note on a ticket.
type NoteOut struct {
	ID        string     `json:"id" format:"uuid"`
	TicketID  string     `json:"ticket_id" format:"uuid"`
	AuthorID  NullableID `json:"author_id" doc:"null once the author's account is deleted"`
	Content   string     `json:"content"`
	CreatedAt time.Time  `json:"created_at"`
	// Attachments is absent on notes without files.
	Attachments []AttachmentOut `json:"attachments,omitempty" doc:"Files sent with the note (multipart POST); staff only, like the note"`
}

func toNoteOut(n *support.Note) NoteOut {
	return NoteOut{ID: n.ID, TicketID: n.TicketID, AuthorID: NullableID{ID: n.AuthorID}, Content: n.Content, CreatedAt: n.CreatedAt,
		Attachments: toAttachmentsOut(n.Attachments)}
}

type addNoteInput struct {
	ID   string `path:"id" doc:"Ticket id"`
	Body struct {
		Content string `json:"content" doc:"1 to 10,000 characters, not blank; stored as given" example:"Customer is on the legacy plan; check billing first."`
	}
}

type noteOutput struct{ Body NoteOut }

func (s *Server) addNote(ctx context.Context, in *addNoteInput) (*noteOutput, error) {
	n, err := s.deps.Tickets.AddNote(ctx, actorFrom(ctx), in.ID, in.Body.Content)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &noteOutput{Body: toNoteOut(n)}, nil
}

type listNotesInput struct {
	ID    string `path:"id" doc:"Ticket id"`
	After string `query:"after" doc:"Note id from the previous page's Link header: the notes after it (400 if it is not a note of this ticket)"`
	Limit int    `query:"limit" doc:"Page size: default 50, values above 200 are treated as 200" example:"50"`
}

type listNotesOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more notes remain"`
	Body []NoteOut
}

// listNotesOperation documents the notes' order and how to page them.
func listNotesOperation() huma.Operation {
	o := op("list-notes", http.MethodGet, "/tickets/{id}/notes", "A ticket's internal notes, oldest first (agents and admins)",
		"tickets", 0, authenticated, 400, 401, 403, 404, 422)
	o.Description = "Notes in the order they were written, in pages of `limit`. Follow `Link: <...>; rel=\"next\"` " +
		"until it is absent; `after` is the id of the last note read, so a later request after it reads only newer " +
		"notes. An `after` that is not a note of this ticket is `400`."
	return o
}

func (s *Server) listNotes(ctx context.Context, in *listNotesInput) (*listNotesOutput, error) {
	page, err := s.deps.Tickets.Notes(ctx, actorFrom(ctx), in.ID, in.After, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listNotesOutput{Body: make([]NoteOut, len(page.Notes))}
	for i := range page.Notes {
		out.Body[i] = toNoteOut(&page.Notes[i])
	}
	if page.Next != "" {
		out.Link = s.link(ticketPath(in.ID, "notes"), pageParams("after", page.Next, in.Limit), "next")
	}
	return out, nil
}
