// Package relaytest points tests at a real Redis.
package relaytest

import (
	"os"
	"testing"
)

// EnvURL names the variable holding the Redis URL for tests.
const EnvURL = "TEST_REDIS_URL"

// URL returns TEST_REDIS_URL. Without it the test is skipped, saying why, except
// with CI=true, where Redis must be there and its absence fails the test.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("relaytest: CI=true but %s is unset: Redis tests must run in CI", EnvURL)
	}
	t.Skipf("relaytest: %s is unset, so this Redis test is skipped; set it to e.g. redis://127.0.0.1:6379/0", EnvURL)
	return ""
}
