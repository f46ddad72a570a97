package store

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// queryFiles holds every *queries.sql file at the package root.
//
//go:embed *queries.sql
var queryFiles embed.FS

// querySet is the statements of one *queries.sql file: targets maps each
// "-- name:" of the file to the struct field it fills. Fields, not map lookups,
// so a typo in Go is a compile error.
type querySet interface {
	targets() map[string]*string
}

// ownLoader lists files whose statements are read by their own code instead of
// through a querySet: loadAIQueries reads ai_queries.sql. loadQueries still
// parses them, so a syntax error or a name clash there also stops Open. Giving
// aiQueries a targets method and registering it in Open retires this list.
var ownLoader = map[string]bool{"ai_queries.sql": true}

// queries holds the statements of queries.sql, one field per "-- name:" block.
type queries struct {
	createUser               string
	userByID                 string
	userByEmailKey           string
	createTicket             string
	ticketByID               string
	listTickets              string
	listTicketsAfter         string
	listCustomerTickets      string
	listCustomerTicketsAfter string
	touchTicket              string
	createMessage            string
	messagesByTicket         string
	countMessagesCapped      string
	threadFirst              string
	threadAfter              string
	threadNewest             string
	threadBefore             string
}

// targets maps each name used in queries.sql to the field it fills.
func (q *queries) targets() map[string]*string {
	return map[string]*string{
		"create-user":                 &q.createUser,
		"user-by-id":                  &q.userByID,
		"user-by-email-key":           &q.userByEmailKey,
		"create-ticket":               &q.createTicket,
		"ticket-by-id":                &q.ticketByID,
		"list-tickets":                &q.listTickets,
		"list-tickets-after":          &q.listTicketsAfter,
		"list-customer-tickets":       &q.listCustomerTickets,
		"list-customer-tickets-after": &q.listCustomerTicketsAfter,
		"touch-ticket":                &q.touchTicket,
		"create-message":              &q.createMessage,
		"messages-by-ticket":          &q.messagesByTicket,
		"count-messages-capped":       &q.countMessagesCapped,
		"thread-first":                &q.threadFirst,
		"thread-after":                &q.threadAfter,
		"thread-newest":               &q.threadNewest,
		"thread-before":               &q.threadBefore,
	}
}

// loadQueries reads every *queries.sql file at the root of fsys and fills the
// set registered under its name. It fails on a file no set reads, a registered
// file that is missing, a name used in two files, and a missing, unknown,
// duplicated or empty query, so a broken file stops Open, not a request.
func loadQueries(fsys fs.FS, sets map[string]querySet) error {
	files, err := fs.Glob(fsys, "*queries.sql")
	if err != nil {
		return fmt.Errorf("store: query files: %w", err)
	}
	fileOf := map[string]string{} // query name → the file defining it
	for _, file := range files {
		if err := loadQueryFile(fsys, file, sets[file], fileOf); err != nil {
			return fmt.Errorf("store: %s: %w", file, err)
		}
	}
	for file := range sets {
		if !slices.Contains(files, file) {
			return fmt.Errorf("store: %s: file not found", file)
		}
	}
	return nil
}

// loadQueryFile parses one file, records which file each name comes from, and
// fills set (nil for a file read by its own loader).
func loadQueryFile(fsys fs.FS, file string, set querySet, fileOf map[string]string) error {
	if set == nil && !ownLoader[file] {
		return fmt.Errorf("no query set reads this file")
	}
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	named, err := parseQueries(string(src))
	if err != nil {
		return err
	}
	for name := range named {
		if other, dup := fileOf[name]; dup {
			return fmt.Errorf("query %q is also defined in %s", name, other)
		}
		fileOf[name] = file
	}
	if set == nil {
		return nil
	}
	return fill(set, named)
}

// fill copies named statements into set's fields.
func fill(set querySet, named map[string]string) error {
	targets := set.targets()
	for name, text := range named {
		dst, ok := targets[name]
		if !ok {
			return fmt.Errorf("unknown query %q", name)
		}
		*dst = text
	}
	for name, dst := range targets {
		if *dst == "" {
			return fmt.Errorf("missing query %q", name)
		}
	}
	return nil
}

const nameMarker = "-- name:"

// parseQueries splits src at "-- name: NAME" lines into a map of name to statement.
// Text before the first marker and comment lines inside a block are dropped.
// Its errors do not name the file; callers add it.
func parseQueries(src string) (map[string]string, error) {
	named := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		text := strings.TrimSuffix(strings.TrimSpace(body.String()), ";")
		if text == "" {
			return fmt.Errorf("query %q is empty", name)
		}
		if _, dup := named[name]; dup {
			return fmt.Errorf("query %q defined twice", name)
		}
		named[name] = text
		return nil
	}
	for line := range strings.Lines(src) {
		trimmed := strings.TrimSpace(line)
		if after, ok := strings.CutPrefix(trimmed, nameMarker); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			if name = strings.TrimSpace(after); name == "" {
				return nil, fmt.Errorf("%q without a name", nameMarker)
			}
			body.Reset()
			continue
		}
		if !strings.HasPrefix(trimmed, "--") {
			body.WriteString(line)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return named, nil
}

// deskQueries holds the statements of desk_queries.sql: the ticket workflow,
// internal notes and the event log.
type deskQueries struct {
	updateTicket      string
	touchTicketStatus string
	deleteTicketTags  string
	addTicketTag      string
	ticketTagList     string
	addTicketEvent    string
	eventsAfter       string
	eventsAfterPublic string
	createNote        string
	notesFirst        string
	notesAfter        string
	noteKey           string
}

// targets maps each name used in desk_queries.sql to the field it fills.
func (q *deskQueries) targets() map[string]*string {
	return map[string]*string{
		"update-ticket":       &q.updateTicket,
		"touch-ticket-status": &q.touchTicketStatus,
		"delete-ticket-tags":  &q.deleteTicketTags,
		"add-ticket-tag":      &q.addTicketTag,
		"ticket-tag-list":     &q.ticketTagList,
		"add-ticket-event":    &q.addTicketEvent,
		"events-after":        &q.eventsAfter,
		"events-after-public": &q.eventsAfterPublic,
		"create-note":         &q.createNote,
		"notes-first":         &q.notesFirst,
		"notes-after":         &q.notesAfter,
		"note-key":            &q.noteKey,
	}
}
