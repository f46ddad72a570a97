package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

// The delivery side of webhooks: what was sent and how it went, and sending
// events again.

// webhookDeliveryRoutes registers the attempt log, redelivery and replay.
func (s *Server) webhookDeliveryRoutes(api huma.API) {
	list := op("list-webhook-attempts", http.MethodGet, "/admin/webhooks/{id}/attempts",
		"Delivery attempts of a webhook endpoint, newest first (admins)", webhooksTag, 0, authenticated, 401, 403, 404, 422)
	list.Description = "Every attempt to deliver an event: when, which try of its delivery, the HTTP status (0 when no " +
		"answer came, with `error` saying why), how long it took and the start of the answer (1 KiB). `event_id` keeps " +
		"one event's attempts. Attempts are kept for `WEBHOOK_ATTEMPT_RETENTION` (30 days)."
	huma.Register(api, list, s.listWebhookAttempts)
	redeliver := op("redeliver-webhook-event", http.MethodPost, "/admin/webhooks/{id}/redeliver",
		"Send one event to a webhook endpoint again (admins)", webhooksTag, http.StatusAccepted, authenticated, 401, 403, 404, 409, 413, 415, 422)
	redeliver.Description = "Enqueues a new delivery of the event, with the same `webhook-id` as the first (receivers " +
		"that already processed it may drop it). `409` when the endpoint is disabled: enable it first."
	huma.Register(api, redeliver, s.redeliverWebhook)
	replay := op("replay-webhook-events", http.MethodPost, "/admin/webhooks/{id}/replay",
		"Send a time range of events to a webhook endpoint again (admins)", webhooksTag, http.StatusAccepted, authenticated, 401, 403, 404, 409, 413, 415, 422)
	replay.Description = "Enqueues every event the endpoint receives that happened in [`since`, `until`) (`until` " +
		"defaults to now), oldest first, each with its first `webhook-id`: for a receiver that lost data, or events " +
		"missed while the endpoint was disabled. At most 10,000 events a replay: `422` asks for a shorter range."
	huma.Register(api, replay, s.replayWebhook)
}

// WebhookAttemptOut is one delivery attempt.
type WebhookAttemptOut struct {
	ID              int64     `json:"id"`
	EventID         int64     `json:"event_id" doc:"The event delivered: the id of the live streams and the ticket history"`
	WebhookID       string    `json:"webhook_id" doc:"The webhook-id header sent, the same on every attempt of the event"`
	Attempt         int       `json:"attempt" doc:"Which try of its delivery, from 1"`
	Trigger         string    `json:"trigger" enum:"event,redelivery,replay" doc:"Why it was sent"`
	Succeeded       bool      `json:"succeeded" doc:"The receiver answered 2xx"`
	StatusCode      int       `json:"status_code" doc:"The receiver's HTTP status; 0 when no answer came"`
	Error           string    `json:"error,omitempty" doc:"Why no answer came (timeout, refused address, connection failure)"`
	DurationMS      float64   `json:"duration_ms"`
	ResponseExcerpt string    `json:"response_excerpt" doc:"The start of the receiver's answer (at most 1 KiB)"`
	CreatedAt       time.Time `json:"created_at"`
}

func toWebhookAttemptOut(a *support.WebhookAttempt) WebhookAttemptOut {
	return WebhookAttemptOut{ID: a.ID, EventID: a.EventID, WebhookID: a.MessageID, Attempt: a.Attempt, Trigger: string(a.Trigger),
		Succeeded: a.Succeeded, StatusCode: a.StatusCode, Error: a.Error, DurationMS: float64(a.Duration.Microseconds()) / 1000,
		ResponseExcerpt: a.ResponseExcerpt, CreatedAt: a.CreatedAt}
}

type listWebhookAttemptsInput struct {
	ID string `path:"id" doc:"Webhook endpoint id"`
	PageQuery
	EventID int64 `query:"event_id" minimum:"0" doc:"Only this event's attempts"`
}

type listWebhookAttemptsOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more attempts remain"`
	Body []WebhookAttemptOut
}

func (s *Server) listWebhookAttempts(ctx context.Context, in *listWebhookAttemptsInput) (*listWebhookAttemptsOutput, error) {
	page, err := s.deps.Webhooks.ListWebhookAttempts(ctx, actorFrom(ctx), in.ID, in.EventID, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listWebhookAttemptsOutput{Body: make([]WebhookAttemptOut, len(page.Attempts))}
	if page.NextCursor != "" {
		q := pageParams("cursor", page.NextCursor, in.Limit)
		if in.EventID != 0 {
			q.Set("event_id", strconv.FormatInt(in.EventID, 10))
		}
		out.Link = s.link("/admin/webhooks/"+in.ID+"/attempts", q, "next")
	}
	for i := range page.Attempts {
		out.Body[i] = toWebhookAttemptOut(&page.Attempts[i])
	}
	return out, nil
}

// enqueuedOutput says how many deliveries were enqueued.
type enqueuedOutput struct {
	Body struct {
		Enqueued int `json:"enqueued" doc:"Deliveries enqueued; their attempts appear in the attempt log"`
	}
}

func enqueued(n int) *enqueuedOutput {
	out := &enqueuedOutput{}
	out.Body.Enqueued = n
	return out
}

type redeliverWebhookInput struct {
	ID   string `path:"id" doc:"Webhook endpoint id"`
	Body struct {
		EventID int64 `json:"event_id" minimum:"1" doc:"The event to send again"`
	}
}

func (s *Server) redeliverWebhook(ctx context.Context, in *redeliverWebhookInput) (*enqueuedOutput, error) {
	if err := s.deps.Webhooks.RedeliverWebhook(ctx, actorFrom(ctx), in.ID, in.Body.EventID); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return enqueued(1), nil
}

type replayWebhookInput struct {
	ID   string `path:"id" doc:"Webhook endpoint id"`
	Body struct {
		Since time.Time  `json:"since" doc:"Events from this time (inclusive)"`
		Until *time.Time `json:"until,omitempty" doc:"Events before this time; default now"`
	}
}

func (s *Server) replayWebhook(ctx context.Context, in *replayWebhookInput) (*enqueuedOutput, error) {
	var until time.Time
	if in.Body.Until != nil {
		until = *in.Body.Until
	}
	n, err := s.deps.Webhooks.ReplayWebhook(ctx, actorFrom(ctx), in.ID, in.Body.Since, until)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return enqueued(n), nil
}
