package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/supportd/supportd/internal/netguard"
)

// WebhooksConfig is how webhook endpoints are checked.
type WebhooksConfig struct {
	// AllowPrivate lists the addresses (IPs and CIDR prefixes) endpoints may
	// have although they are loopback, private, link-local or metadata
	// addresses: an on-premise receiver, a test receiver on loopback. Plain
	// http:// is accepted only for hosts all of whose addresses are listed.
	AllowPrivate []netip.Prefix
}

func loadWebhooks(r *reader) WebhooksConfig {
	raw := r.getenv("WEBHOOK_ALLOW_PRIVATE")
	allow, err := netguard.ParseAllowList(raw)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("WEBHOOK_ALLOW_PRIVATE must be a comma-separated list of IP addresses and CIDR prefixes (e.g. 127.0.0.1/32,10.1.0.0/16): %s",
			strings.Join(strings.Fields(err.Error()), " "))
	}
	return WebhooksConfig{AllowPrivate: allow}
}
