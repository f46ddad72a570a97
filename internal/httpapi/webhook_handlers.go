package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

// webhooksTag groups the webhook endpoint operations in the API description.
const webhooksTag = "webhooks"

// WebhookOut is a webhook endpoint as admins see it: never its secret.
type WebhookOut struct {
	ID                      string     `json:"id" format:"uuid"`
	URL                     string     `json:"url" format:"uri" example:"https://hooks.example.com/supportd"`
	Description             string     `json:"description"`
	EventTypes              []string   `json:"event_types" enum:"created,status,priority,assignee,tags,message,note,ai_reply,ai_reply_started,ai_reply_failed,attachment" doc:"The event types sent; empty: every type the endpoint may see"`
	Internal                bool       `json:"internal" doc:"Also receives staff-only events (notes); otherwise only what a customer-facing integration may see"`
	Enabled                 bool       `json:"enabled"`
	DisabledReason          string     `json:"disabled_reason,omitempty" doc:"Why the endpoint is disabled (an admin, or failing deliveries); absent while enabled"`
	DisabledAt              *time.Time `json:"disabled_at,omitempty" nullable:"false" doc:"When it was disabled; absent while enabled"`
	FailingSince            *time.Time `json:"failing_since,omitempty" nullable:"false" doc:"Since when every delivery has failed; absent while healthy. After WEBHOOK_DISABLE_AFTER (5 days) the endpoint is disabled"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty" nullable:"false" doc:"Until when the secret replaced by the last rotation signs deliveries (next to the new one); absent when a rotation kept none"`
	CreatedBy               string     `json:"created_by" doc:"The admin who registered it; empty once that account is gone"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

// WebhookSecretOut is an endpoint with its new signing secret, shown this once.
type WebhookSecretOut struct {
	WebhookOut
	Secret string `json:"secret" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"The Standard Webhooks signing secret (whsec_ and base64). Shown only in this response: store it now"`
}

func toWebhookOut(e *support.WebhookEndpoint) WebhookOut {
	out := WebhookOut{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: make([]string, len(e.EventTypes)),
		Internal: e.Internal, Enabled: e.Enabled, DisabledReason: e.DisabledReason, CreatedBy: e.CreatedBy,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	for i, t := range e.EventTypes {
		out.EventTypes[i] = string(t)
	}
	if !e.DisabledAt.IsZero() {
		out.DisabledAt = &e.DisabledAt
	}
	if !e.FailingSince.IsZero() {
		out.FailingSince = &e.FailingSince
	}
	if e.PreviousSecretSealed != "" {
		out.PreviousSecretExpiresAt = &e.PreviousSecretExpiresAt
	}
	return out
}

type webhookOutput struct{ Body WebhookOut }

// webhookSecretOutput carries a secret: never cached, by the browser or anyone between.
type webhookSecretOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         WebhookSecretOut
}

func secretOutput(w *support.WebhookWithSecret) *webhookSecretOutput {
	return &webhookSecretOutput{CacheControl: "no-store",
		Body: WebhookSecretOut{WebhookOut: toWebhookOut(w.Endpoint), Secret: w.Secret}}
}

func createWebhookOperation() huma.Operation {
	o := op("create-webhook", http.MethodPost, "/admin/webhooks", "Register a webhook endpoint (admins)", webhooksTag,
		http.StatusCreated, authenticated, 401, 403, 409, 413, 415, 422)
	o.Description = "Events are signed and sent as the Standard Webhooks specification describes (`webhook-id`, " +
		"`webhook-timestamp`, `webhook-signature`). The answer holds the endpoint's `secret` (`whsec_...`), shown " +
		"this once (`Cache-Control: no-store`); later reads never show it. The URL must be `https` (plain `http` only " +
		"for hosts `WEBHOOK_ALLOW_PRIVATE` lists) and its host must not be or resolve to a loopback, private, " +
		"link-local or metadata address unless `WEBHOOK_ALLOW_PRIVATE` lists it: `422` says why. `event_types` " +
		"empty means every type; staff-only types (`note`) need `internal`. At most 50 endpoints: `409` past that."
	return o
}

type createWebhookInput struct {
	Body struct {
		URL         string   `json:"url" minLength:"1" maxLength:"2048" example:"https://hooks.example.com/supportd"`
		Description string   `json:"description,omitempty" maxLength:"500" example:"CRM sync"`
		EventTypes  []string `json:"event_types,omitempty" maxItems:"20" enum:"created,status,priority,assignee,tags,message,note,ai_reply,ai_reply_started,ai_reply_failed,attachment" doc:"Event types to send; empty or absent: every type"`
		Internal    bool     `json:"internal,omitempty" doc:"Also send staff-only events (notes)"`
	}
}

func (s *Server) createWebhook(ctx context.Context, in *createWebhookInput) (*webhookSecretOutput, error) {
	w, err := s.deps.Webhooks.CreateWebhook(ctx, actorFrom(ctx), support.NewWebhook{URL: in.Body.URL,
		Description: in.Body.Description, EventTypes: in.Body.EventTypes, Internal: in.Body.Internal})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return secretOutput(w), nil
}

type listWebhooksOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more endpoints remain"`
	Body []WebhookOut
}

func (s *Server) listWebhooks(ctx context.Context, in *PageQuery) (*listWebhooksOutput, error) {
	page, err := s.deps.Webhooks.ListWebhooks(ctx, actorFrom(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listWebhooksOutput{Body: make([]WebhookOut, len(page.Endpoints)), Link: s.nextLink(in, "/admin/webhooks", page.NextCursor)}
	for i := range page.Endpoints {
		out.Body[i] = toWebhookOut(&page.Endpoints[i])
	}
	return out, nil
}

type webhookIDInput struct {
	ID string `path:"id" doc:"Webhook endpoint id"`
}

func (s *Server) getWebhook(ctx context.Context, in *webhookIDInput) (*webhookOutput, error) {
	e, err := s.deps.Webhooks.Webhook(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &webhookOutput{Body: toWebhookOut(e)}, nil
}

type updateWebhookInput struct {
	ID   string `path:"id" doc:"Webhook endpoint id"`
	Body struct {
		URL         *string   `json:"url,omitempty" minLength:"1" maxLength:"2048" doc:"New URL, checked as at registration"`
		Description *string   `json:"description,omitempty" maxLength:"500"`
		EventTypes  *[]string `json:"event_types,omitempty" maxItems:"20" enum:"created,status,priority,assignee,tags,message,note,ai_reply,ai_reply_started,ai_reply_failed,attachment" doc:"New subscription; [] for every type"`
		Internal    *bool     `json:"internal,omitempty" doc:"Whether staff-only events (notes) are sent too"`
		Enabled     *bool     `json:"enabled,omitempty" doc:"false stops deliveries (reason: disabled by an admin); true resumes them and clears the reason"`
	}
}

func (s *Server) updateWebhook(ctx context.Context, in *updateWebhookInput) (*webhookOutput, error) {
	b := in.Body
	e, err := s.deps.Webhooks.UpdateWebhook(ctx, actorFrom(ctx), in.ID, support.WebhookChange{URL: b.URL,
		Description: b.Description, EventTypes: b.EventTypes, Internal: b.Internal, Enabled: b.Enabled})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &webhookOutput{Body: toWebhookOut(e)}, nil
}

func (s *Server) deleteWebhook(ctx context.Context, in *webhookIDInput) (*struct{}, error) {
	if err := s.deps.Webhooks.DeleteWebhook(ctx, actorFrom(ctx), in.ID); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}

func rotateWebhookSecretOperation() huma.Operation {
	o := op("rotate-webhook-secret", http.MethodPost, "/admin/webhooks/{id}/rotate-secret",
		"Give a webhook endpoint a new signing secret (admins)", webhooksTag, 0, authenticated, 401, 403, 404, 413, 415, 422)
	o.Description = "The answer holds the new `secret`, shown this once (`Cache-Control: no-store`). The secret it " +
		"replaces keeps signing deliveries, next to the new one (two `v1,` signatures in `webhook-signature`), for " +
		"`grace_seconds` (default 86400, one day; at most 604800, seven days; 0 retires it at once), so receivers " +
		"can switch without losing an event. A secret still in the grace of an earlier rotation is retired."
	return o
}

type rotateWebhookSecretInput struct {
	ID   string `path:"id" doc:"Webhook endpoint id"`
	Body *struct {
		GraceSeconds *int `json:"grace_seconds,omitempty" minimum:"0" maximum:"604800" doc:"How long the old secret still signs; default 86400" example:"3600"`
	} `required:"false"`
}

func (s *Server) rotateWebhookSecret(ctx context.Context, in *rotateWebhookSecretInput) (*webhookSecretOutput, error) {
	var grace *time.Duration
	if in.Body != nil && in.Body.GraceSeconds != nil {
		g := time.Duration(*in.Body.GraceSeconds) * time.Second
		grace = &g
	}
	w, err := s.deps.Webhooks.RotateWebhookSecret(ctx, actorFrom(ctx), in.ID, grace)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return secretOutput(w), nil
}
