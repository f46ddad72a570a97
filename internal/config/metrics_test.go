package config

import (
	"strings"
	"testing"
)

func TestMetricsAddr(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Metrics.Addr != "" {
		t.Fatalf("default: %+v, %v; want no metrics endpoint", c.Metrics, err)
	}
	for _, ok := range []string{"127.0.0.1:9464", ":9464", "[::1]:9464", "localhost:0"} {
		if c, err := Load(env(map[string]string{"METRICS_ADDR": ok})); err != nil || c.Metrics.Addr != ok {
			t.Errorf("METRICS_ADDR=%s: %+v, %v", ok, c.Metrics, err)
		}
	}
	for _, bad := range []string{"9464", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "http://127.0.0.1:9464"} {
		_, err := Load(env(map[string]string{"METRICS_ADDR": bad}))
		if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") || strings.Contains(err.Error(), "\n") {
			t.Errorf("METRICS_ADDR=%s: error %v, want one line naming the variable", bad, err)
		}
	}
}
