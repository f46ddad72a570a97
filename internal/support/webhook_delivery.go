package support

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Webhook delivery (issue 12): a dispatcher reads the feed and enqueues one
// durable job per event and endpoint; a worker sends it and records each
// attempt. The queue itself lives in internal/webhook/delivery; this file holds
// what the store and the admin API share with it.

// WebhookEvent is an event of the feed with its place in its ticket's history:
// Sequence counts every event of the ticket up to this one (what internal
// endpoints see), PublicSequence the events a customer may see (what other
// endpoints see, so their numbers have no gaps that betray staff-only events).
type WebhookEvent struct {
	FeedEvent
	Sequence       int64
	PublicSequence int64
}

// SequenceFor is the sequence number an endpoint receives with e.
func (e *WebhookEvent) SequenceFor(endpoint *WebhookEndpoint) int64 {
	if endpoint.Internal {
		return e.Sequence
	}
	return e.PublicSequence
}

// WebhookTrigger says why a delivery was enqueued.
type WebhookTrigger string

const (
	WebhookTriggerEvent      WebhookTrigger = "event"      // the event happened
	WebhookTriggerRedelivery WebhookTrigger = "redelivery" // an admin asked for the event again
	WebhookTriggerReplay     WebhookTrigger = "replay"     // an admin replayed a time range
)

// WebhookAttempt is one try at delivering an event to an endpoint.
type WebhookAttempt struct {
	ID         int64
	EndpointID string
	EventID    int64
	MessageID  string // the webhook-id header, the same on every attempt of the event
	Attempt    int    // 1 for the first try of its job
	Trigger    WebhookTrigger
	Succeeded  bool
	StatusCode int    // 0 when no response came (Error says why)
	Error      string // "" when the receiver answered
	Duration   time.Duration
	// ResponseExcerpt is the start of the receiver's answer (at most
	// MaxWebhookResponseExcerpt bytes, valid UTF-8).
	ResponseExcerpt string
	CreatedAt       time.Time
}

// MaxWebhookResponseExcerpt bounds the response body kept per attempt.
const MaxWebhookResponseExcerpt = 1024

// WebhookAttemptFilter selects a page of an endpoint's attempts, newest first.
type WebhookAttemptFilter struct {
	EndpointID string
	EventID    int64 // 0: every event
	Before     int64 // attempt id to start before; 0 from the newest
	Limit      int
}

// WebhookDeliveryStore is what delivering webhooks needs of the database
// beyond WebhookStore. Dispatching (reading the feed and enqueuing in one
// transaction) is the store's own method, declared by the dispatcher.
type WebhookDeliveryStore interface {
	// RecordWebhookAttempt stores a and sets its ID.
	RecordWebhookAttempt(ctx context.Context, a *WebhookAttempt) error
	// ListWebhookAttempts returns a page of attempts as f selects; never nil.
	ListWebhookAttempts(ctx context.Context, f WebhookAttemptFilter) ([]WebhookAttempt, error)
	// WebhookEvent returns the event with id and its sequences, or ErrNotFound.
	WebhookEvent(ctx context.Context, id int64) (*WebhookEvent, error)
	// WebhookEventsBetween returns up to limit events created in [since, until),
	// oldest first, with their sequences; never nil.
	WebhookEventsBetween(ctx context.Context, since, until time.Time, limit int) ([]WebhookEvent, error)
	// MarkWebhookFailing records that a delivery to the endpoint failed at at:
	// it sets the endpoint's failing-since time unless one is set, and returns
	// the time in force. ErrNotFound when the endpoint is gone.
	MarkWebhookFailing(ctx context.Context, endpointID string, at time.Time) (time.Time, error)
	// MarkWebhookHealthy clears the failing-since time after a success; it
	// writes nothing when none is set.
	MarkWebhookHealthy(ctx context.Context, endpointID string) error
	// PruneWebhookAttempts deletes attempts created before cutoff, at most
	// batch rows a statement, and returns how many it deleted.
	PruneWebhookAttempts(ctx context.Context, cutoff time.Time, batch int) (int64, error)
}

// Wants reports whether the endpoint takes ev: an event type it subscribed
// to, and a staff-only event only if the endpoint is internal.
func (e *WebhookEndpoint) Wants(ev *Event) bool {
	return e.Receives(ev.Type) && (!ev.Internal || e.Internal)
}

// WebhookEnqueuer enqueues the deliveries an admin asks for again
// (delivery.Service). They carry the same webhook-id as the first delivery.
type WebhookEnqueuer interface {
	Enqueue(ctx context.Context, endpoint *WebhookEndpoint, events []WebhookEvent, trigger WebhookTrigger) error
}

// MaxWebhookReplay bounds the events one replay sends.
const MaxWebhookReplay = 10000

// WebhookAttemptPage is one page of an endpoint's attempts, newest first.
type WebhookAttemptPage struct {
	Attempts   []WebhookAttempt
	NextCursor string // "" on the last page
}

// ListWebhookAttempts returns a page of the endpoint's delivery attempts,
// newest first; eventID 0 lists every event's.
func (s *WebhookService) ListWebhookAttempts(ctx context.Context, actor Actor, endpointID string, eventID int64, cursor string, limit int) (*WebhookAttemptPage, error) {
	if _, err := s.Webhook(ctx, actor, endpointID); err != nil {
		return nil, err
	}
	var v validator
	before := int64(0)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			v.add("cursor", "is not a cursor this listing returned", cursor)
		}
		before = n
	}
	if eventID < 0 {
		v.add("event_id", "must be a positive event id", eventID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	limit, err := pageSize(limit)
	if err != nil {
		return nil, err
	}
	list, err := s.d.Deliveries.ListWebhookAttempts(ctx, WebhookAttemptFilter{EndpointID: endpointID, EventID: eventID, Before: before, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	page := &WebhookAttemptPage{Attempts: list[:min(len(list), limit)]}
	if len(list) > limit {
		page.NextCursor = strconv.FormatInt(page.Attempts[limit-1].ID, 10)
	}
	return page, nil
}

// RedeliverWebhook sends one event to the endpoint again.
func (s *WebhookService) RedeliverWebhook(ctx context.Context, actor Actor, endpointID string, eventID int64) error {
	e, err := s.enabledWebhook(ctx, actor, endpointID)
	if err != nil {
		return err
	}
	ev, err := s.d.Deliveries.WebhookEvent(ctx, eventID)
	if errors.Is(err, ErrNotFound) {
		return Errorf(CodeNotFound, "Event %d not found", eventID)
	}
	if err != nil {
		return fmt.Errorf("redeliver webhook: %w", err)
	}
	if !e.Wants(&ev.Event) {
		return Errorf(CodeInvalid, "This endpoint does not receive %s events", ev.Type)
	}
	if err := s.d.Enqueuer.Enqueue(ctx, e, []WebhookEvent{*ev}, WebhookTriggerRedelivery); err != nil {
		return fmt.Errorf("redeliver webhook: %w", err)
	}
	s.audit(ctx, actor, AuditWebhookRedelivered, e.ID, map[string]string{"event_id": strconv.FormatInt(eventID, 10)})
	return nil
}

// ReplayWebhook sends the endpoint again every event it receives that
// happened in [since, until), and returns how many it enqueued.
func (s *WebhookService) ReplayWebhook(ctx context.Context, actor Actor, endpointID string, since, until time.Time) (int, error) {
	var v validator
	if since.IsZero() {
		v.add("since", "is required", nil)
	}
	if !until.IsZero() && !since.Before(until) {
		v.add("until", "must be after since", until)
	}
	if err := v.err(); err != nil {
		return 0, err
	}
	if until.IsZero() {
		until = s.d.Now()
	}
	e, err := s.enabledWebhook(ctx, actor, endpointID)
	if err != nil {
		return 0, err
	}
	events, err := s.d.Deliveries.WebhookEventsBetween(ctx, since, until, MaxWebhookReplay+1)
	if err != nil {
		return 0, fmt.Errorf("replay webhook: %w", err)
	}
	if len(events) > MaxWebhookReplay {
		return 0, Errorf(CodeInvalid, "The range holds more than %d events; replay a shorter range", MaxWebhookReplay)
	}
	wanted := slices.DeleteFunc(events, func(ev WebhookEvent) bool { return !e.Wants(&ev.Event) })
	if err := s.d.Enqueuer.Enqueue(ctx, e, wanted, WebhookTriggerReplay); err != nil {
		return 0, fmt.Errorf("replay webhook: %w", err)
	}
	s.audit(ctx, actor, AuditWebhookReplayed, e.ID, map[string]string{"since": since.UTC().Format(time.RFC3339Nano),
		"until": until.UTC().Format(time.RFC3339Nano), "events": strconv.Itoa(len(wanted))})
	return len(wanted), nil
}

// enabledWebhook is the endpoint an admin sends events to again: it must be
// enabled, or the deliveries would be dropped.
func (s *WebhookService) enabledWebhook(ctx context.Context, actor Actor, id string) (*WebhookEndpoint, error) {
	e, err := s.Webhook(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if s.d.Enqueuer == nil || s.d.Deliveries == nil {
		return nil, Errorf(CodeUnavailable, "Webhook delivery is not running on this instance")
	}
	if !e.Enabled {
		return nil, Errorf(CodeConflict, "The endpoint is disabled (%s); enable it first", e.DisabledReason)
	}
	return e, nil
}
