package support

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The agent queue (issue 11): GET /tickets with filters, full text and three
// orders. Customers keep their plain listing; which filters they may use is in
// policy.go (canFilterTickets).

// MaxQueryLen bounds a full-text query, in characters.
const MaxQueryLen = 200

// Rank orders priorities for the priority sort: low 1, normal 2, high 3,
// urgent 4 (0 for an unknown value). The store keeps the same mapping in the
// tickets.priority_rank column (migration 00009).
func (p Priority) Rank() int {
	switch p {
	case PriorityLow:
		return 1
	case PriorityNormal:
		return 2
	case PriorityHigh:
		return 3
	case PriorityUrgent:
		return 4
	}
	return 0
}

// AssigneeMe and AssigneeNone are the assignee filter's two words: the caller,
// and nobody.
const (
	AssigneeMe   = "me"
	AssigneeNone = "none"
)

// TicketQuery is the input of ListTickets, as the client sent it: each value is
// checked here, and every bad one is reported at once.
type TicketQuery struct {
	Statuses      []string // "open", ...; each may itself be comma-separated
	Priorities    []string // "low", ...; each may itself be comma-separated
	Assignee      string   // a user id, AssigneeMe or AssigneeNone
	Tag           string
	Customer      string // a user id
	CreatedAfter  string // RFC 3339
	CreatedBefore string
	UpdatedAfter  string
	UpdatedBefore string
	Query         string // full text
	Sort          string // "created" (default), "updated", "priority"
	Cursor        string
	Limit         int
}

// Present lists the filters q uses, by their parameter names (sort and
// pagination are not filters).
func (q *TicketQuery) Present() []string {
	var names []string
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"status", len(q.Statuses) > 0}, {"priority", len(q.Priorities) > 0}, {"assignee", q.Assignee != ""},
		{"tag", q.Tag != ""}, {"customer", q.Customer != ""}, {"created_after", q.CreatedAfter != ""},
		{"created_before", q.CreatedBefore != ""}, {"updated_after", q.UpdatedAfter != ""},
		{"updated_before", q.UpdatedBefore != ""}, {"q", q.Query != ""},
	} {
		if p.set {
			names = append(names, p.name)
		}
	}
	return names
}

// ListTickets returns a page of the tickets the actor may see that match q, in
// q's order. Customers see only their own tickets and may filter only as
// canFilterTickets allows.
func (s *TicketService) ListTickets(ctx context.Context, actor Actor, q TicketQuery) (*TicketPage, error) {
	if err := actor.canFilterTickets(q.Present()); err != nil {
		return nil, err
	}
	f, err := ticketFilter(actor, q)
	if err != nil {
		return nil, err
	}
	if f.After, err = decodeTicketCursor(q.Cursor, f.Sort); err != nil {
		return nil, err
	}
	limit, err := pageSize(q.Limit)
	if err != nil {
		return nil, err
	}
	f.Limit = limit + 1 // one extra row tells whether another page exists
	tickets, err := s.store.ListTickets(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	page := &TicketPage{Tickets: tickets}
	if len(tickets) > limit {
		page.Tickets = tickets[:limit]
		page.NextCursor = encodeTicketCursor(f.Sort, &page.Tickets[limit-1])
	}
	return page, nil
}

// ticketFilter checks every value of q and turns it into the store's filter,
// scoped to what the actor may see.
func ticketFilter(actor Actor, q TicketQuery) (TicketFilter, error) {
	var v validator
	f := TicketFilter{CustomerID: actor.ticketScope(), Sort: SortCreated, Tag: NormalizeTag(q.Tag)}
	for i, s := range splitList(q.Statuses) {
		if st := Status(s); st.Valid() {
			f.Statuses = append(f.Statuses, st)
		} else {
			v.add(fmt.Sprintf("status[%d]", i), "must be open, pending, resolved or closed", excerpt(s))
		}
	}
	for i, s := range splitList(q.Priorities) {
		if p := Priority(s); p.Valid() {
			f.Priorities = append(f.Priorities, p)
		} else {
			v.add(fmt.Sprintf("priority[%d]", i), "must be low, normal, high or urgent", excerpt(s))
		}
	}
	switch q.Assignee {
	case "":
	case AssigneeMe:
		f.AssigneeID = actor.UserID
	case AssigneeNone:
		f.Unassigned = true
	default:
		if !validID(q.Assignee) {
			v.add("assignee", "must be a user id, me or none", excerpt(q.Assignee))
		}
		f.AssigneeID = q.Assignee
	}
	if q.Tag != "" && !tagPattern.MatchString(f.Tag) {
		v.add("tag", "must be 1 to 32 characters of a-z, 0-9, - and _", excerpt(q.Tag))
	}
	if q.Customer != "" {
		if !validID(q.Customer) {
			v.add("customer", "must be a user id", excerpt(q.Customer))
		}
		f.CustomerID = q.Customer // only staff get here (canFilterTickets)
	}
	f.CreatedAfter = v.time("created_after", q.CreatedAfter)
	f.CreatedBefore = v.time("created_before", q.CreatedBefore)
	f.UpdatedAfter = v.time("updated_after", q.UpdatedAfter)
	f.UpdatedBefore = v.time("updated_before", q.UpdatedBefore)
	f.Query = strings.TrimSpace(q.Query)
	if q.Query != "" {
		v.text("q", q.Query, 1, MaxQueryLen)
	}
	if q.Sort != "" {
		if f.Sort = TicketSort(q.Sort); !f.Sort.Valid() {
			v.add("sort", "must be created, updated or priority", excerpt(q.Sort))
		}
	}
	return f, v.err()
}

// splitList flattens repeated and comma-separated values, dropping empty ones.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// time parses an RFC 3339 time ("" is the zero time: no bound).
func (v *validator) time(field, value string) time.Time {
	if value == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		v.add(field, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z", excerpt(value))
		return time.Time{}
	}
	return t.UTC()
}

// ticketCursorJSON is a ticket listing's cursor: the last ticket's position in
// the listing's order. S names the order; it is omitted for SortCreated, so
// cursors of the newest-first listing keep the format they always had.
type ticketCursorJSON struct {
	S  TicketSort `json:"s,omitempty"`
	T  time.Time  `json:"t"`
	R  int        `json:"r,omitempty"`
	ID string     `json:"id"`
}

func encodeTicketCursor(sort TicketSort, last *Ticket) string {
	c := ticketCursorJSON{T: last.CreatedAt, ID: last.ID}
	switch sort {
	case SortUpdated:
		c.S, c.T = sort, last.UpdatedAt
	case SortPriority:
		c.S, c.R = sort, last.Priority.Rank()
	}
	b, _ := json.Marshal(c) // cannot fail for these types
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeTicketCursor reads a cursor of the listing ordered by sort. A cursor of
// another order is refused: its position means nothing in this one.
func decodeTicketCursor(s string, sort TicketSort) (*PageKey, error) {
	key, err := decodeCursor(s) // the time and id, checked
	if key == nil || err != nil {
		return key, err
	}
	raw, _ := base64.RawURLEncoding.DecodeString(s) // decodeCursor decoded it
	var c ticketCursorJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, &Error{Code: CodeBadRequest, Message: "malformed cursor"}
	}
	if c.S == "" {
		c.S = SortCreated
	}
	if c.S != sort {
		return nil, Errorf(CodeBadRequest, "the cursor belongs to sort=%s, not sort=%s: start again without a cursor", c.S, sort)
	}
	if sort == SortPriority && (c.R < 1 || c.R > 4) {
		return nil, &Error{Code: CodeBadRequest, Message: "malformed cursor"}
	}
	key.Rank = c.R
	return key, nil
}
