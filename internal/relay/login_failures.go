package relay

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/supportd/supportd/internal/support"
)

// DefaultLoginFailuresPrefix namespaces the failed-login counts.
const DefaultLoginFailuresPrefix = "supportd:login:"

// beginAttempt is support.FailureCounter's Begin in one atomic step. A hash per key
// holds n (failures), last (the latest, Unix ms) and expires (when the count lapses,
// by the caller's clock, which tests move forward; PEXPIRE only collects the
// garbage). KEYS[1] the key; ARGV: now, max, base, cap, window (ms). Returns the
// milliseconds the key stays locked, 0 when the attempt was counted.
const beginAttempt = `
local now, max, base, cap, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = redis.call('HMGET', KEYS[1], 'n', 'last', 'expires')
local n, last, expires = tonumber(f[1] or '0'), tonumber(f[2] or '0'), tonumber(f[3] or '0')
if n > 0 and now >= expires then n = 0 end
local function delay(k)
  if k < max then return 0 end
  local d = base
  for _ = max + 1, k do
    if d >= cap then break end
    d = d * 2
  end
  return math.min(d, cap)
end
if n >= max and now < last + delay(n) then
  return last + delay(n) - now
end
n = n + 1
local ttl = delay(n) + window
redis.call('HSET', KEYS[1], 'n', n, 'last', now, 'expires', now + ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return 0
`

// forgiveAttempt takes one failure back; a key it empties is deleted.
const forgiveAttempt = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[1], 'n', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 0
`

// LoginFailures keeps failed-login counts in Redis, so a lockout holds across
// instances.
type LoginFailures struct {
	rdb     *redis.Client
	prefix  string
	begin   *redis.Script
	forgive *redis.Script
}

var _ support.FailureCounter = (*LoginFailures)(nil)

// NewLoginFailures returns failed-login counts kept in rdb under keys starting
// with prefix (DefaultLoginFailuresPrefix in production).
func NewLoginFailures(rdb *redis.Client, prefix string) *LoginFailures {
	return &LoginFailures{rdb: rdb, prefix: prefix, begin: redis.NewScript(beginAttempt), forgive: redis.NewScript(forgiveAttempt)}
}

// Begin implements support.FailureCounter.
func (l *LoginFailures) Begin(ctx context.Context, key string, now time.Time, p support.FailurePolicy) (time.Duration, error) {
	ms, err := l.begin.Run(ctx, l.rdb, []string{l.prefix + key}, now.UnixMilli(), p.Max,
		p.Base.Milliseconds(), p.Cap.Milliseconds(), p.Window.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("count login attempt: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Forgive implements support.FailureCounter.
func (l *LoginFailures) Forgive(ctx context.Context, key string) error {
	if err := l.forgive.Run(ctx, l.rdb, []string{l.prefix + key}).Err(); err != nil {
		return fmt.Errorf("forgive login attempt: %w", err)
	}
	return nil
}

// Reset implements support.FailureCounter.
func (l *LoginFailures) Reset(ctx context.Context, key string) error {
	if err := l.rdb.Del(ctx, l.prefix+key).Err(); err != nil {
		return fmt.Errorf("reset login failures: %w", err)
	}
	return nil
}
