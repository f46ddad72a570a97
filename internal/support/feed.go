package support

import "context"

// The feed is every ticket's events in one order, read from a cursor: live
// notifications (WebSocket, SSE) and webhooks publish it (issue 12). The event
// log is its source of truth, so a client or a dispatcher that falls behind
// reads what it missed from the database, never from memory.

// FeedCursor is a position in the feed. Events are ordered by (TX, ID). On
// PostgreSQL TX is the id of the transaction that wrote the event, and the
// store shows an event only once every transaction that could still write a
// smaller position has ended, so reading "after a cursor" never skips an event
// committed late. Identity ids alone would: they are taken at insert, not at
// commit. On SQLite, whose writers take turns, TX is 0 and ID alone orders.
type FeedCursor struct {
	TX uint64
	ID int64
}

// Less reports whether c comes before d in the feed.
func (c FeedCursor) Less(d FeedCursor) bool {
	return c.TX < d.TX || (c.TX == d.TX && c.ID < d.ID)
}

// FeedEvent is an event of the feed with what deciding who may see it takes.
type FeedEvent struct {
	Event
	CustomerID string // the ticket's customer
	Cursor     FeedCursor
}

// FeedFilter selects events of the feed: those after After (and not after
// Until, when set), oldest first, at most Limit. CustomerID keeps one
// customer's tickets only; Internal false leaves out staff-only events.
type FeedFilter struct {
	After, Until    FeedCursor
	HasUntil        bool
	CustomerID      string
	IncludeInternal bool
	Limit           int
}

// FeedStore reads the feed.
type FeedStore interface {
	// Feed returns the events f selects; the result is never nil.
	Feed(ctx context.Context, f FeedFilter) ([]FeedEvent, error)
	// FeedHead is the position of the newest event the feed shows now: reading
	// after it returns only events written later.
	FeedHead(ctx context.Context) (FeedCursor, error)
	// FeedCursorOf is the position of the event with id, or ErrNotFound.
	FeedCursorOf(ctx context.Context, eventID int64) (FeedCursor, error)
}

// Sees reports whether a may be shown e: staff see every event, a customer the
// events of their own tickets that are not internal.
func (a Actor) Sees(e *FeedEvent) bool {
	if a.Role.IsStaff() {
		return true
	}
	return a.Role == RoleCustomer && e.CustomerID == a.UserID && !e.Internal
}

// FeedFilterFor narrows f to what a may see, so that a replay reads only that.
func (a Actor) FeedFilterFor(f FeedFilter) FeedFilter {
	if a.Role.IsStaff() {
		f.IncludeInternal = true
		return f
	}
	f.CustomerID, f.IncludeInternal = a.UserID, false
	return f
}
