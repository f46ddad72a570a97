package support

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/webhook/signature"
)

// Webhook endpoints (issue 12): admins register the URLs events are sent to.
// This file is the registration side; delivery (a durable job queue reading the
// feed) uses ActiveSecrets to sign and the same netguard policy to dial.

// Limits on what an admin registers.
const (
	MaxWebhookURLLen         = 2048
	MaxWebhookDescriptionLen = 500
	MaxWebhookEndpoints      = 50
	DefaultWebhookGrace      = 24 * time.Hour     // how long a rotated-out secret still signs
	MaxWebhookGrace          = 7 * 24 * time.Hour // the longest grace a rotation may ask
	webhookResolveTimeout    = 5 * time.Second    // for the DNS lookup of a registered host
)

// WebhookEventTypes are the event types an endpoint may subscribe to, in the
// order the API documents them.
var WebhookEventTypes = []EventType{EventCreated, EventStatus, EventPriority, EventAssignee, EventTags,
	EventMessage, EventNote, EventAIReply, EventAIReplyStarted, EventAIReplyFailed, EventAttachment}

// staffOnlyEventTypes are the event types only internal endpoints receive
// (the feed marks their events internal).
var staffOnlyEventTypes = []EventType{EventNote}

// WebhookEndpoint is a registered receiver of events. The secrets are stored
// sealed (SecretSealer); ActiveSecrets opens them.
type WebhookEndpoint struct {
	ID          string
	URL         string
	Description string
	EventTypes  []EventType // empty: every type the endpoint may see
	// Internal endpoints also receive staff-only events (notes); others get what
	// a customer-facing integration may see.
	Internal       bool
	Enabled        bool
	DisabledReason string    // why it was disabled; "" while enabled
	DisabledAt     time.Time // zero while enabled
	// FailingSince is when deliveries began to fail without a success since;
	// zero while healthy. An endpoint failing longer than the configured
	// WEBHOOK_DISABLE_AFTER is disabled.
	FailingSince time.Time
	// SecretSealed is the current whsec_ secret, sealed; PreviousSecretSealed the
	// one rotated out, which still signs until PreviousSecretExpiresAt.
	SecretSealed            string
	PreviousSecretSealed    string
	PreviousSecretExpiresAt time.Time
	CreatedBy               string // the admin who registered it; "" once that account is gone
	CreatedAt, UpdatedAt    time.Time
}

// Receives reports whether the endpoint is subscribed to events of type t.
func (e *WebhookEndpoint) Receives(t EventType) bool {
	if slices.Contains(staffOnlyEventTypes, t) && !e.Internal {
		return false
	}
	return len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, t)
}

// WebhookStore persists endpoints. Implementations return ErrNotFound for a
// missing endpoint.
type WebhookStore interface {
	// CreateWebhookEndpoint stores e unless max endpoints exist already
	// (ErrWebhookLimit); the count and the insert are atomic.
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint, max int) error
	WebhookEndpointByID(ctx context.Context, id string) (*WebhookEndpoint, error)
	// ListWebhookEndpoints returns up to limit endpoints, newest first
	// (CreatedAt, ID descending), after the keyset after (nil: from the newest).
	ListWebhookEndpoints(ctx context.Context, after *PageKey, limit int) ([]WebhookEndpoint, error)
	// UpdateWebhookEndpoint applies change and stores the result atomically.
	UpdateWebhookEndpoint(ctx context.Context, id string, change func(*WebhookEndpoint) error) (*WebhookEndpoint, error)
	DeleteWebhookEndpoint(ctx context.Context, id string) error
}

// SecretSealer encrypts secrets at rest, bound to the owning row's id
// (secretbox.Box).
type SecretSealer interface {
	Seal(plaintext, aad []byte) (string, error)
	Open(sealed string, aad []byte) ([]byte, error)
}

// ErrWebhookLimit refuses an endpoint past MaxWebhookEndpoints.
var ErrWebhookLimit = Errorf(CodeConflict, "At most %d webhook endpoints can be registered; delete one first", MaxWebhookEndpoints)

// WebhookDeps are what a WebhookService needs. Resolver defaults to
// net.DefaultResolver; tests pass a stub so no lookup leaves the machine.
type WebhookDeps struct {
	Store WebhookStore
	// Deliveries lists attempts and finds events to send again; Enqueuer
	// sends them (delivery.Service). Without them redelivery is unavailable.
	Deliveries WebhookDeliveryStore
	Enqueuer   WebhookEnqueuer
	Sealer     SecretSealer
	Policy     *netguard.Policy // which addresses endpoints may have (WEBHOOK_ALLOW_PRIVATE)
	Resolver   netguard.Resolver
	Audit      *Auditor
	Log        *slog.Logger
	Now        func() time.Time
	NewID      func() string
}

// WebhookService manages webhook endpoints for admins.
type WebhookService struct {
	d WebhookDeps
}

// NewWebhookService wires a WebhookService.
func NewWebhookService(d WebhookDeps) *WebhookService {
	if d.Resolver == nil {
		d.Resolver = net.DefaultResolver
	}
	if d.Policy == nil {
		d.Policy = netguard.New(netguard.Options{})
	}
	return &WebhookService{d: d}
}

// NewWebhook is an endpoint as an admin registers it.
type NewWebhook struct {
	URL         string
	Description string
	EventTypes  []string
	Internal    bool
}

// WebhookChange is an admin's change to an endpoint; nil fields stay as they are.
type WebhookChange struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Internal    *bool
	Enabled     *bool
}

// WebhookWithSecret is an endpoint with its new secret in the clear: the
// answer to a registration or a rotation, the only times it is shown.
type WebhookWithSecret struct {
	Endpoint *WebhookEndpoint
	Secret   string // whsec_...
}

// WebhookPage is one page of the endpoint listing.
type WebhookPage struct {
	Endpoints  []WebhookEndpoint
	NextCursor string
}

// CreateWebhook registers an endpoint and returns it with its secret.
func (s *WebhookService) CreateWebhook(ctx context.Context, actor Actor, in NewWebhook) (*WebhookWithSecret, error) {
	if err := canManageWebhooks(actor); err != nil {
		return nil, err
	}
	var v validator
	v.webhookURL(in.URL)
	v.text("description", in.Description, 0, MaxWebhookDescriptionLen)
	types := v.eventTypes(in.EventTypes)
	v.staffOnly(types, in.Internal)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.checkURL(ctx, in.URL); err != nil {
		return nil, err
	}
	now := s.timestamp()
	e := &WebhookEndpoint{ID: s.d.NewID(), URL: in.URL, Description: strings.TrimSpace(in.Description), EventTypes: types,
		Internal: in.Internal, Enabled: true, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	secret, sealed, err := s.newSecret(e.ID)
	if err != nil {
		return nil, err
	}
	e.SecretSealed = sealed
	if err := s.d.Store.CreateWebhookEndpoint(ctx, e, MaxWebhookEndpoints); err != nil {
		if errors.Is(err, ErrWebhookLimit) {
			return nil, ErrWebhookLimit
		}
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	s.d.Log.InfoContext(ctx, "webhook endpoint registered", "webhook_id", e.ID, "host", hostOf(e.URL), "by", actor.UserID)
	s.audit(ctx, actor, AuditWebhookCreated, e.ID, map[string]string{"url": e.URL, "internal": strconv.FormatBool(e.Internal)})
	return &WebhookWithSecret{Endpoint: e, Secret: secret}, nil
}

// ListWebhooks returns a page of endpoints, newest first.
func (s *WebhookService) ListWebhooks(ctx context.Context, actor Actor, cursor string, limit int) (*WebhookPage, error) {
	if err := canManageWebhooks(actor); err != nil {
		return nil, err
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit, err = pageSize(limit)
	if err != nil {
		return nil, err
	}
	list, err := s.d.Store.ListWebhookEndpoints(ctx, after, limit+1) // one extra row tells whether another page exists
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	page := &WebhookPage{Endpoints: list[:min(len(list), limit)]}
	if len(list) > limit {
		last := page.Endpoints[limit-1]
		page.NextCursor = encodeCursor(PageKey{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// Webhook returns one endpoint.
func (s *WebhookService) Webhook(ctx context.Context, actor Actor, id string) (*WebhookEndpoint, error) {
	if err := canManageWebhooks(actor); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	e, err := s.d.Store.WebhookEndpointByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	return e, nil
}

// UpdateWebhook changes an endpoint. Disabling records an admin as the reason;
// enabling clears the reason, whatever disabled it.
func (s *WebhookService) UpdateWebhook(ctx context.Context, actor Actor, id string, ch WebhookChange) (*WebhookEndpoint, error) {
	if err := canManageWebhooks(actor); err != nil {
		return nil, err
	}
	var v validator
	if ch.URL != nil {
		v.webhookURL(*ch.URL)
	}
	if ch.Description != nil {
		v.text("description", *ch.Description, 0, MaxWebhookDescriptionLen)
	}
	var types []EventType
	if ch.EventTypes != nil {
		types = v.eventTypes(*ch.EventTypes)
	}
	if ch == (WebhookChange{}) {
		v.add("body", "must change url, description, event_types, internal or enabled", nil)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	if ch.URL != nil {
		if err := s.checkURL(ctx, *ch.URL); err != nil {
			return nil, err
		}
	}
	var changed []string
	e, err := s.d.Store.UpdateWebhookEndpoint(ctx, id, func(e *WebhookEndpoint) error {
		changed = applyWebhookChange(e, ch, types, s.timestamp())
		var v validator
		v.staffOnly(e.EventTypes, e.Internal)
		return v.err()
	})
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("update webhook: %w", err)
	}
	detail := map[string]string{"changed": strings.Join(changed, ",")}
	if ch.URL != nil {
		detail["url"] = e.URL
	}
	s.audit(ctx, actor, AuditWebhookUpdated, e.ID, detail)
	return e, nil
}

// applyWebhookChange applies ch to e and returns the fields it changed.
func applyWebhookChange(e *WebhookEndpoint, ch WebhookChange, types []EventType, now time.Time) []string {
	var changed []string
	set := func(name string, differs bool, apply func()) {
		if differs {
			apply()
			changed = append(changed, name)
		}
	}
	if ch.URL != nil {
		set("url", *ch.URL != e.URL, func() { e.URL = *ch.URL })
	}
	if ch.Description != nil {
		d := strings.TrimSpace(*ch.Description)
		set("description", d != e.Description, func() { e.Description = d })
	}
	if ch.EventTypes != nil {
		set("event_types", !slices.Equal(types, e.EventTypes), func() { e.EventTypes = types })
	}
	if ch.Internal != nil {
		set("internal", *ch.Internal != e.Internal, func() { e.Internal = *ch.Internal })
	}
	if ch.Enabled != nil {
		set("enabled", *ch.Enabled != e.Enabled, func() {
			e.Enabled, e.DisabledReason, e.DisabledAt = true, "", time.Time{}
			if !*ch.Enabled {
				e.Enabled, e.DisabledReason, e.DisabledAt = false, "disabled by an admin", now
			}
		})
	}
	e.UpdatedAt = now
	return changed
}

// DeleteWebhook removes an endpoint.
func (s *WebhookService) DeleteWebhook(ctx context.Context, actor Actor, id string) error {
	if err := canManageWebhooks(actor); err != nil {
		return err
	}
	if !validID(id) {
		return ErrNotFound
	}
	if err := s.d.Store.DeleteWebhookEndpoint(ctx, id); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	s.d.Log.InfoContext(ctx, "webhook endpoint deleted", "webhook_id", id, "by", actor.UserID)
	s.audit(ctx, actor, AuditWebhookDeleted, id, nil)
	return nil
}

// RotateWebhookSecret gives the endpoint a new secret and returns it. The
// current one becomes the previous secret and still signs deliveries (next to
// the new one) for grace: nil means DefaultWebhookGrace, 0 retires it at once.
// A previous secret still in its grace is dropped.
func (s *WebhookService) RotateWebhookSecret(ctx context.Context, actor Actor, id string, grace *time.Duration) (*WebhookWithSecret, error) {
	if err := canManageWebhooks(actor); err != nil {
		return nil, err
	}
	g := DefaultWebhookGrace
	if grace != nil {
		g = *grace
	}
	if g < 0 || g > MaxWebhookGrace {
		return nil, Invalid(FieldError{Field: "grace_seconds", Message: "must be between 0 and " +
			strconv.Itoa(int(MaxWebhookGrace/time.Second)) + " (7 days)", Value: int64(g / time.Second)})
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	secret, sealed, err := s.newSecret(id)
	if err != nil {
		return nil, err
	}
	e, err := s.d.Store.UpdateWebhookEndpoint(ctx, id, func(e *WebhookEndpoint) error {
		now := s.timestamp()
		e.PreviousSecretSealed, e.PreviousSecretExpiresAt = e.SecretSealed, now.Add(g)
		if g == 0 {
			e.PreviousSecretSealed, e.PreviousSecretExpiresAt = "", time.Time{}
		}
		e.SecretSealed, e.UpdatedAt = sealed, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rotate webhook secret: %w", err)
	}
	s.d.Log.InfoContext(ctx, "webhook secret rotated", "webhook_id", id, "grace", g, "by", actor.UserID)
	s.audit(ctx, actor, AuditWebhookSecretRotated, id, map[string]string{"grace_seconds": strconv.Itoa(int(g / time.Second))})
	return &WebhookWithSecret{Endpoint: e, Secret: secret}, nil
}

// ActiveSecrets returns the secrets deliveries to e are signed with at now
// (WebhookSecrets.ActiveSecrets).
func (s *WebhookService) ActiveSecrets(e *WebhookEndpoint, now time.Time) ([]signature.Secret, error) {
	return WebhookSecrets{s.d.Sealer}.ActiveSecrets(e, now)
}

// WebhookSecrets opens endpoints' sealed secrets for signing deliveries.
type WebhookSecrets struct{ Sealer SecretSealer }

// ActiveSecrets returns the secrets deliveries to e are signed with at now:
// the current one, then the previous one while its grace lasts. A secret that
// does not open (SECRET_KEY changed) is an error.
func (w WebhookSecrets) ActiveSecrets(e *WebhookEndpoint, now time.Time) ([]signature.Secret, error) {
	cur, err := openSecret(w.Sealer, e.ID, e.SecretSealed)
	if err != nil {
		return nil, err
	}
	out := []signature.Secret{cur}
	if e.PreviousSecretSealed != "" && now.Before(e.PreviousSecretExpiresAt) {
		prev, err := openSecret(w.Sealer, e.ID, e.PreviousSecretSealed)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// newSecret draws a secret for endpoint id and seals it.
func (s *WebhookService) newSecret(id string) (string, string, error) {
	secret, err := signature.NewSecret(rand.Reader)
	if err != nil {
		return "", "", err
	}
	sealed, err := s.d.Sealer.Seal([]byte(secret.Reveal()), []byte(id))
	if err != nil {
		return "", "", fmt.Errorf("seal webhook secret: %w", err)
	}
	return secret.Reveal(), sealed, nil
}

func openSecret(sealer SecretSealer, id, sealed string) (signature.Secret, error) {
	plain, err := sealer.Open(sealed, []byte(id))
	if err != nil {
		return signature.Secret{}, fmt.Errorf("webhook %s: open secret (was SECRET_KEY changed?): %w", id, err)
	}
	return signature.ParseSecret(string(plain))
}

// checkURL refuses a URL the policy forbids: 422 naming why. A host that does
// not resolve is refused too: its addresses cannot be checked.
func (s *WebhookService) checkURL(ctx context.Context, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, webhookResolveTimeout)
	defer cancel()
	if err := s.d.Policy.CheckURL(ctx, raw, s.d.Resolver); err != nil {
		reason := err.Error()
		return &Error{Code: CodeInvalid, Message: "url refused: " + reason,
			Fields: []FieldError{{Field: "url", Message: reason, Value: raw}}, Err: err}
	}
	return nil
}

func (s *WebhookService) audit(ctx context.Context, actor Actor, action, id string, detail map[string]string) {
	s.d.Audit.record(ctx, AuditEntry{Action: action, ActorID: actor.UserID, TargetType: "webhook", TargetID: id, Detail: detail})
}

func (s *WebhookService) timestamp() time.Time { return s.d.Now().UTC().Truncate(time.Microsecond) }

// hostOf is the host of a URL already checked, for log lines (paths and
// queries may hold an integration's token).
func hostOf(raw string) string {
	host, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(raw, "https://"), "http://"), "/")
	return host
}

// webhookURL checks a URL's size; its address is checked by the policy.
func (v *validator) webhookURL(raw string) {
	switch {
	case raw == "":
		v.add("url", "must not be blank", raw)
	case utf8.RuneCountInString(raw) > MaxWebhookURLLen:
		v.add("url", "must be at most "+strconv.Itoa(MaxWebhookURLLen)+" characters", nil)
	case strings.TrimSpace(raw) != raw || strings.ContainsAny(raw, "\x00\r\n\t"):
		v.add("url", "must not contain white space or control characters", nil)
	}
}

// eventTypes checks a subscription against the known types and returns it
// sorted without duplicates ([] for every type).
func (v *validator) eventTypes(in []string) []EventType {
	out := []EventType{}
	for _, t := range in {
		if !slices.Contains(WebhookEventTypes, EventType(t)) {
			v.add("event_types", "unknown event type "+strconv.Quote(t)+"; known: "+knownEventTypes(), t)
			continue
		}
		out = append(out, EventType(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// staffOnly refuses a subscription to staff-only events on an endpoint not
// marked internal (it would never receive them).
func (v *validator) staffOnly(types []EventType, internal bool) {
	if internal {
		return
	}
	for _, t := range types {
		if slices.Contains(staffOnlyEventTypes, t) {
			v.add("event_types", string(t)+" events are staff-only: only an internal endpoint receives them", string(t))
		}
	}
}

func knownEventTypes() string {
	names := make([]string, len(WebhookEventTypes))
	for i, t := range WebhookEventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
