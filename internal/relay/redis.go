// Package relay keeps in Redis what supportd instances share about AI replies: the
// events of replies being generated, so that a client whose request lands on another
// instance than the one generating follows the live tail instead of waiting for the
// stored reply, and each user's open reply streams, so their limit holds across
// instances.
package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/supportd/supportd/internal/support"
)

// keyPrefix namespaces the relay's keys in a Redis that other programs may share.
const keyPrefix = "supportd:reply:"

// batch bounds the events one Read returns; a reader far behind catches up in steps.
const batch = 512

// Redis keeps one Redis stream per reply. Entry ids are 0-<event id>, so a reader
// resumes after any event id with a plain XREAD, and an event published twice is
// refused by Redis rather than duplicated. Each stream expires ttl after its last
// event: it only matters while the reply is generated; afterwards the database has it.
type Redis struct {
	rdb *redis.Client
	ttl time.Duration
}

// New returns a relay over rdb whose streams expire ttl after their last event.
func New(rdb *redis.Client, ttl time.Duration) *Redis {
	return &Redis{rdb: rdb, ttl: ttl}
}

// Dial connects to the Redis at url (redis:// or rediss://) and checks it answers.
func Dial(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: Redis does not answer: %w", err)
	}
	return rdb, nil
}

func key(replyID string) string { return keyPrefix + replyID }

// Publish appends evs to the reply's stream and pushes its expiry forward, in one round trip.
func (r *Redis) Publish(ctx context.Context, replyID string, evs ...support.StreamEvent) error {
	if len(evs) == 0 {
		return nil
	}
	k := key(replyID)
	pipe := r.rdb.Pipeline()
	for _, ev := range evs {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: k, ID: "0-" + strconv.Itoa(ev.ID),
			Values: []any{"k", ev.Kind, "d", []byte(ev.Data)}})
	}
	pipe.Expire(ctx, k, r.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("relay publish %s events %d-%d: %w", replyID, evs[0].ID, evs[len(evs)-1].ID, err)
	}
	return nil
}

// Read returns the reply's events after event id after, oldest first, without
// waiting; none when the reply has no stream (never published, or expired).
func (r *Redis) Read(ctx context.Context, replyID string, after int) ([]support.StreamEvent, error) {
	res, err := r.rdb.XRangeN(ctx, key(replyID), "(0-"+strconv.Itoa(after), "+", batch).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("relay read %s: %w", replyID, err)
	}
	evs := make([]support.StreamEvent, 0, len(res))
	for _, m := range res {
		ev, err := decode(m)
		if err != nil {
			return nil, fmt.Errorf("relay read %s: %w", replyID, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func decode(m redis.XMessage) (support.StreamEvent, error) {
	seq, ok := strings.CutPrefix(m.ID, "0-")
	id, err := strconv.Atoi(seq)
	if !ok || err != nil || id < 1 {
		return support.StreamEvent{}, fmt.Errorf("entry id %q is not 0-<event id>", m.ID)
	}
	kind, _ := m.Values["k"].(string)
	data, _ := m.Values["d"].(string)
	if kind == "" || data == "" {
		return support.StreamEvent{}, fmt.Errorf("entry %s lacks its kind or data", m.ID)
	}
	return support.StreamEvent{ID: id, Kind: kind, Data: []byte(data)}, nil
}
