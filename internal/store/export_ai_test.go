package store

// AIQueries exposes the AI reply statements that must be served by an index, by
// name, to the black-box plan test.
func (db *DB) AIQueries() map[string]string {
	return map[string]string{
		"thread-tail":             db.aq.threadTail,
		"count-all-replies-since": db.aq.countAllSince,
		"count-replies-since":     db.aq.countSince,
	}
}
