package store

import "github.com/supportd/supportd/internal/support"

// QueueQuery exposes the agent queue's built statement to the plan test.
func (db *DB) QueueQuery(f support.TicketFilter) (string, []any) { return db.queueQuery(f) }

// SearchQueries exposes PostgreSQL's two full-text listings (the walk over
// the window, then the match set) to the plan test.
func (db *DB) SearchQueries(f support.TicketFilter) (walk string, walkArgs []any, matches string, matchArgs []any) {
	walk, walkArgs = db.searchWalk(f)
	matches, matchArgs = db.searchMatches(f)
	return walk, walkArgs, matches, matchArgs
}

// SetSearchWindow sets how many tickets the full-text walk tests, so that a
// small table can exercise every path of searchTickets.
func (db *DB) SetSearchWindow(n int) { db.searchWindow = n }
