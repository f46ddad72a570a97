package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/netguard"
)

// WebhooksConfig is how webhook endpoints are checked.
type WebhooksConfig struct {
	// AllowPrivate lists the addresses (IPs and CIDR prefixes) endpoints may
	// have although they are loopback, private, link-local or metadata
	// addresses: an on-premise receiver, a test receiver on loopback. Plain
	// http:// is accepted only for hosts all of whose addresses are listed.
	AllowPrivate []netip.Prefix
	// Workers is how many deliveries one instance sends at once (WEBHOOK_WORKERS).
	Workers int
	// DisableAfter disables an endpoint whose deliveries have all failed for
	// this long (WEBHOOK_DISABLE_AFTER).
	DisableAfter time.Duration
	// AttemptRetention is how long delivery attempts stay listed
	// (WEBHOOK_ATTEMPT_RETENTION).
	AttemptRetention time.Duration
}

// Defaults of the webhook settings.
const (
	defaultWebhookWorkers          = 100
	defaultWebhookDisableAfter     = 5 * 24 * time.Hour
	defaultWebhookAttemptRetention = 30 * 24 * time.Hour
)

func loadWebhooks(r *reader) WebhooksConfig {
	raw := r.getenv("WEBHOOK_ALLOW_PRIVATE")
	allow, err := netguard.ParseAllowList(raw)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("WEBHOOK_ALLOW_PRIVATE must be a comma-separated list of IP addresses and CIDR prefixes (e.g. 127.0.0.1/32,10.1.0.0/16): %s",
			strings.Join(strings.Fields(err.Error()), " "))
	}
	c := WebhooksConfig{AllowPrivate: allow, Workers: r.int("WEBHOOK_WORKERS", defaultWebhookWorkers),
		DisableAfter:     r.duration("WEBHOOK_DISABLE_AFTER", defaultWebhookDisableAfter),
		AttemptRetention: r.duration("WEBHOOK_ATTEMPT_RETENTION", defaultWebhookAttemptRetention)}
	r.check(c.Workers >= 1 && c.Workers <= 1000, "WEBHOOK_WORKERS must be between 1 and 1000")
	r.check(c.DisableAfter >= time.Hour, "WEBHOOK_DISABLE_AFTER must be at least 1h")
	r.check(c.AttemptRetention >= 24*time.Hour, "WEBHOOK_ATTEMPT_RETENTION must be at least 24h")
	return c
}
