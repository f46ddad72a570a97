package store

import "github.com/supportd/supportd/internal/support"

// QueueQuery exposes the agent queue's built statement to the plan test.
func (db *DB) QueueQuery(f support.TicketFilter) (string, []any) { return db.queueQuery(f) }
