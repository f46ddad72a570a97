package config

import "fmt"

// TicketsConfig bounds threads: how many messages a ticket holds and how many
// GET /tickets/{id} returns.
type TicketsConfig struct {
	MaxMessages    int // messages one ticket may hold, AI replies included
	RecentMessages int // newest messages GET /tickets/{id} returns inline
}

// Bounds of the ticket settings. maxRecentMessages keeps GET /tickets/{id}
// bounded whatever an operator sets; older messages are paged.
const (
	maxRecentMessages = 1000
	maxThreadMessages = 1_000_000
)

func loadTickets(r *reader) TicketsConfig {
	return TicketsConfig{
		MaxMessages:    r.int("TICKET_MAX_MESSAGES", 1000),
		RecentMessages: r.int("TICKET_RECENT_MESSAGES", 100),
	}
}

func (c TicketsConfig) validate() error {
	if c.MaxMessages < 1 || c.MaxMessages > maxThreadMessages {
		return fmt.Errorf("TICKET_MAX_MESSAGES must be between 1 and %d, not %d", maxThreadMessages, c.MaxMessages)
	}
	if c.RecentMessages < 1 || c.RecentMessages > maxRecentMessages {
		return fmt.Errorf("TICKET_RECENT_MESSAGES must be between 1 and %d, not %d", maxRecentMessages, c.RecentMessages)
	}
	return nil
}
