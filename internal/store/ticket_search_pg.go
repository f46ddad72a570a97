package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/supportd/supportd/internal/support"
)

// PostgreSQL's planner cannot know how many tickets a word matches until it
// has looked, and a full-text listing has two good plans whose costs differ a
// thousandfold depending on that number: walk the order's index newest first
// and test each ticket (fast when the word is common, a full scan when it is
// in no ticket: 18.7 s measured on 1,000,000 tickets), or read the word's
// matches from the GIN index and sort them (fast when they are few, slow for
// a word in every other ticket). Instead of letting the estimate choose,
// searchTickets tries the walk over a bounded window of the newest filtered
// tickets and falls back to the match set only when that window held too few
// matches, which is when the match set is small. Both plans return exactly
// the rows the plain query would; SQLite's FTS5 plan does not need this.

// defaultSearchWindow is how many of the newest filtered tickets the walk
// tests before it gives up on the order's index (docs/benchmarks.md, "Agent
// queue").
const defaultSearchWindow = 2000

// searchTickets is ListTickets for a full-text query on PostgreSQL.
func (db *DB) searchTickets(ctx context.Context, f support.TicketFilter) ([]support.Ticket, error) {
	query, args := db.searchWalk(f)
	found, err := db.queryTickets(ctx, query, args)
	if err != nil || len(found) == f.Limit {
		return found, err
	}
	full, err := db.windowFull(ctx, f)
	if err != nil || !full {
		return found, err // the window held every filtered ticket: the walk saw them all
	}
	query, args = db.searchMatches(f)
	return db.queryTickets(ctx, query, args)
}

// searchWalk tests the newest db.searchWindow filtered tickets against the query.
func (db *DB) searchWalk(f support.TicketFilter) (string, []any) {
	b, order := queueFilters(f)
	window := "(" + selectRows(b, order, "*", db.searchWindow) + ") AS tickets"
	var outer queryBuilder
	outer.args = b.args
	db.fullText(&outer, f.Query)
	return selectTickets(window, outer, order, f.Limit), outer.args
}

// windowFull reports whether more than db.searchWindow tickets pass f's filters,
// counting along the same index the walk used.
func (db *DB) windowFull(ctx context.Context, f support.TicketFilter) (bool, error) {
	b, order := queueFilters(f)
	var n int
	err := db.sql.QueryRowContext(ctx, "SELECT count(*) FROM ("+selectRows(b, order, "1", db.searchWindow+1)+") AS window_rows", b.args...).Scan(&n)
	return n > db.searchWindow, err
}

// searchMatches reads the query's matches from the GIN index first (the
// OFFSET 0 keeps the planner from turning it back into a walk), then filters
// and sorts them.
func (db *DB) searchMatches(f support.TicketFilter) (string, []any) {
	b, order := queueFilters(f)
	db.fullText(&b, f.Query)
	matches := "(" + selectRows(b, ticketOrder{}, "*", 0) + " OFFSET 0) AS tickets"
	return selectTickets(matches, queryBuilder{}, order, f.Limit), b.args
}

// selectRows is "SELECT columns FROM tickets WHERE b ORDER BY order LIMIT
// limit", leaving out the order when it is empty and the limit when it is 0.
func selectRows(b queryBuilder, order ticketOrder, columns string, limit int) string {
	q := "SELECT " + columns + " FROM tickets"
	if len(b.where) > 0 {
		q += " WHERE " + strings.Join(b.where, " AND ")
	}
	if order.orderBy != "" {
		q += " ORDER BY " + order.orderBy
	}
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	return q
}

// queryTickets runs a listing built by the functions above.
func (db *DB) queryTickets(ctx context.Context, query string, args []any) ([]support.Ticket, error) {
	return queryAll(ctx, db.sql, query, func(row rowScanner) (support.Ticket, error) {
		var t support.Ticket
		err := scanTicket(row, &t)
		return t, err
	}, args...)
}
