package store

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed queries.sql
var queriesSQL string

// queries holds every statement the store runs, one field per "-- name:" block
// in queries.sql. Fields, not map lookups, so a typo is a compile error.
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
	ticketExists             string
	createMessage            string
	messagesByTicket         string
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
		"ticket-exists":               &q.ticketExists,
		"create-message":              &q.createMessage,
		"messages-by-ticket":          &q.messagesByTicket,
	}
}

// loadQueries parses src into queries. It fails on a missing, unknown,
// duplicated or empty query, so a broken queries.sql stops Open, not a request.
func loadQueries(src string) (queries, error) {
	var q queries
	named, err := parseQueries(src)
	if err != nil {
		return q, err
	}
	targets := q.targets()
	for name, text := range named {
		dst, ok := targets[name]
		if !ok {
			return q, fmt.Errorf("store: queries.sql: unknown query %q", name)
		}
		*dst = text
	}
	for name, dst := range targets {
		if *dst == "" {
			return q, fmt.Errorf("store: queries.sql: missing query %q", name)
		}
	}
	return q, nil
}

const nameMarker = "-- name:"

// parseQueries splits src at "-- name: NAME" lines into a map of name to statement.
// Text before the first marker and comment lines inside a block are dropped.
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
			return fmt.Errorf("store: queries.sql: query %q is empty", name)
		}
		if _, dup := named[name]; dup {
			return fmt.Errorf("store: queries.sql: query %q defined twice", name)
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
				return nil, fmt.Errorf("store: queries.sql: %q without a name", nameMarker)
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
