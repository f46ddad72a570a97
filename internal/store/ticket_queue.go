package store

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/supportd/supportd/internal/support"
)

// The agent queue's listing (issue 11) is built here rather than written out
// in queries.sql: its filters are optional and combine freely (ten filters,
// three orders, with or without a cursor), and one statement per combination
// is not writable, while one statement with "$n = '' OR ..." switches hides
// every predicate from the planner. The builder appends a plain predicate per
// filter in use, so each query is what one would write by hand for it and the
// planner matches it to the indexes of migration 00009. Values are always
// bound parameters; only fixed SQL fragments are joined. The plain listings
// (a customer's or everyone's tickets, newest first) keep their statements in
// queries.sql.

// ticketColumns are the columns scanTicket reads, as in queries.sql's lists.
const ticketColumns = `id, customer_id, title, description, status, created_at, updated_at,
       priority, assignee_id, version, (SELECT string_agg(tag, ' ') FROM ticket_tags WHERE ticket_id = tickets.id)`

// ticketOrders are the ORDER BY of each sort and the row its keyset compares.
var ticketOrders = map[support.TicketSort]ticketOrder{
	support.SortCreated:  {"created_at DESC, id DESC", "(created_at, id)"},
	support.SortUpdated:  {"updated_at DESC, id DESC", "(updated_at, id)"},
	support.SortPriority: {"priority_rank DESC, created_at DESC, id DESC", "(priority_rank, created_at, id)"},
}

type ticketOrder struct{ orderBy, key string }

// queryBuilder collects the predicates of a WHERE clause and their arguments.
type queryBuilder struct {
	where []string
	args  []any
}

// arg binds v and returns its placeholder.
func (b *queryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// in binds values and returns "col = $n" or "col IN ($n, ...)".
func (b *queryBuilder) in(col string, values []string) {
	if len(values) == 1 {
		b.where = append(b.where, col+" = "+b.arg(values[0]))
		return
	}
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = b.arg(v)
	}
	b.where = append(b.where, col+" IN ("+strings.Join(ph, ", ")+")")
}

// add appends a predicate whose placeholders come from calls to arg.
func (b *queryBuilder) add(pred string) { b.where = append(b.where, pred) }

// queueQuery builds the listing of f (see the comment at the top of the file).
func (db *DB) queueQuery(f support.TicketFilter) (string, []any) {
	b, order := queueFilters(f)
	if f.Query != "" {
		db.fullText(&b, f.Query)
	}
	return selectTickets("tickets", b, order, f.Limit), b.args
}

// queueFilters collects f's predicates except full text, and its order.
func queueFilters(f support.TicketFilter) (queryBuilder, ticketOrder) {
	var b queryBuilder
	if f.CustomerID != "" {
		b.add("customer_id = " + b.arg(f.CustomerID))
	}
	if len(f.Statuses) > 0 {
		b.in("status", stringsOf(f.Statuses))
	}
	if len(f.Priorities) > 0 {
		b.in("priority", stringsOf(f.Priorities))
	}
	switch {
	case f.Unassigned:
		b.add("assignee_id IS NULL")
	case f.AssigneeID != "":
		b.add("assignee_id = " + b.arg(f.AssigneeID))
	}
	if f.Tag != "" {
		b.add("id IN (SELECT ticket_id FROM ticket_tags WHERE tag = " + b.arg(f.Tag) + ")")
	}
	for _, r := range []struct {
		pred string
		at   timestamp
		set  bool
	}{
		{"created_at >= ", timestamp(f.CreatedAfter), !f.CreatedAfter.IsZero()},
		{"created_at < ", timestamp(f.CreatedBefore), !f.CreatedBefore.IsZero()},
		{"updated_at >= ", timestamp(f.UpdatedAfter), !f.UpdatedAfter.IsZero()},
		{"updated_at < ", timestamp(f.UpdatedBefore), !f.UpdatedBefore.IsZero()},
	} {
		if r.set {
			b.add(r.pred + b.arg(r.at))
		}
	}
	sort := f.Sort
	if sort == "" {
		sort = support.SortCreated
	}
	order := ticketOrders[sort]
	if f.After != nil {
		key := b.arg(timestamp(f.After.CreatedAt)) + ", " + b.arg(f.After.ID)
		if sort == support.SortPriority {
			key = b.arg(f.After.Rank) + ", " + key
		}
		b.add(order.key + " < (" + key + ")")
	}
	return b, order
}

// selectTickets is the listing of from (a table or a parenthesised query
// named tickets) filtered by b, in order, limited to limit rows.
func selectTickets(from string, b queryBuilder, order ticketOrder, limit int) string {
	var q strings.Builder
	q.WriteString("SELECT " + ticketColumns + "\nFROM " + from + "\n")
	if len(b.where) > 0 {
		q.WriteString("WHERE " + strings.Join(b.where, "\n  AND ") + "\n")
	}
	q.WriteString("ORDER BY " + order.orderBy + "\nLIMIT " + strconv.Itoa(limit))
	return q.String()
}

// fullText adds the predicate of a full-text query in the engine's own engine:
// on PostgreSQL the tickets.search tsvector (title, description and messages,
// migration 00009) against websearch_to_tsquery, which takes what people type
// (words, "a phrase", -word, or); on SQLite the ticket_search FTS5 table, with
// each word quoted so that FTS5's query syntax never applies (all words must
// match). Both stem English words.
func (db *DB) fullText(b *queryBuilder, q string) {
	if db.dialect.engine == postgresDialect.engine {
		b.add("search @@ websearch_to_tsquery('english', " + b.arg(q) + ")")
		return
	}
	match := fts5Words(q)
	if match == "" {
		b.add("0 = 1") // nothing to search for: nothing matches, as on PostgreSQL
		return
	}
	b.add("id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH " + b.arg(match) + ")")
}

// fts5Words turns free text into an FTS5 query matching rows holding every
// word: each word (a run of letters and digits) becomes a quoted string.
func fts5Words(q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " ")
}

func stringsOf[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
