package store

// ListQueries exposes the keyset list statements, by name, to the black-box
// test that checks each one is served by an index.
func (db *DB) ListQueries() map[string]string {
	return map[string]string{
		"list-tickets":                db.q.listTickets,
		"list-tickets-after":          db.q.listTicketsAfter,
		"list-customer-tickets":       db.q.listCustomerTickets,
		"list-customer-tickets-after": db.q.listCustomerTicketsAfter,
		"messages-by-ticket":          db.q.messagesByTicket,
		"events-after":                db.dq.eventsAfter,
		"events-after-public":         db.dq.eventsAfterPublic,
	}
}

// NoteQueries exposes the notes' keyset statements, by name, to the test that
// checks they are served by ticket_notes_ticket_idx.
func (db *DB) NoteQueries() map[string]string {
	return map[string]string{"notes-first": db.dq.notesFirst, "notes-after": db.dq.notesAfter}
}

// AuditPruneQuery exposes the retention prune's DELETE to its plan test.
func (db *DB) AuditPruneQuery() string { return db.uq.deleteAuditBefore }
