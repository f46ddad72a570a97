package relay

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// slotsPrefix namespaces the per-user sets of open reply streams.
const slotsPrefix = "supportd:streams:"

// acquireSlot takes a slot atomically: it drops lapsed slots, refuses when the user
// holds limit live ones, else adds this one. KEYS[1] the user's set; ARGV: now and
// expiry (Unix ms), limit, stream id. The set's own expiry follows its newest slot.
const acquireSlot = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`

// Slots counts each user's open reply streams across instances: a sorted set per
// user of stream ids scored by when each slot lapses, so the slots of an instance
// that died without releasing them free themselves.
type Slots struct {
	rdb     *redis.Client
	acquire *redis.Script
}

// NewSlots returns stream slots kept in rdb.
func NewSlots(rdb *redis.Client) *Slots {
	return &Slots{rdb: rdb, acquire: redis.NewScript(acquireSlot)}
}

// Acquire takes a slot for streamID, lapsing at expires, unless userID already holds
// limit live slots.
func (s *Slots) Acquire(ctx context.Context, userID, streamID string, limit int, now, expires time.Time) (bool, error) {
	n, err := s.acquire.Run(ctx, s.rdb, []string{slotsPrefix + userID},
		now.UnixMilli(), expires.UnixMilli(), limit, streamID).Int()
	if err != nil {
		return false, fmt.Errorf("acquire stream slot: %w", err)
	}
	return n == 1, nil
}

// Release frees streamID's slot.
func (s *Slots) Release(ctx context.Context, userID, streamID string) error {
	if err := s.rdb.ZRem(ctx, slotsPrefix+userID, streamID).Err(); err != nil {
		return fmt.Errorf("release stream slot: %w", err)
	}
	return nil
}
