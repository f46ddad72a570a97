package store

// ThreadQueries exposes the thread-page statements, by name, to the black-box
// test that checks each one is served by messages_ticket_created_idx.
func (db *DB) ThreadQueries() map[string]string {
	return map[string]string{
		"thread-first":          db.q.threadFirst,
		"thread-after":          db.q.threadAfter,
		"thread-newest":         db.q.threadNewest,
		"thread-before":         db.q.threadBefore,
		"count-messages-capped": db.q.countMessagesCapped,
	}
}
