package config

import (
	"fmt"
	"net"
	"strconv"
)

// MetricsConfig places the Prometheus endpoint. It is served on a listener of its
// own, never on the public port: it tells more about the service than clients
// should see.
type MetricsConfig struct {
	Addr string // host:port for GET /metrics, e.g. 127.0.0.1:9464; empty: no metrics endpoint
}

func loadMetrics(r *reader) MetricsConfig {
	return MetricsConfig{Addr: r.str("METRICS_ADDR", "")}
}

func (c MetricsConfig) validate() error {
	if c.Addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(c.Addr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Errorf("METRICS_ADDR must be host:port, such as 127.0.0.1:9464, not %q", c.Addr)
	}
	return nil
}
