package relay_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/relay"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/support"
)

func newRelay(t *testing.T) *relay.Redis {
	t.Helper()
	rdb, err := relay.Dial(t.Context(), relaytest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return relay.New(rdb, time.Minute)
}

func TestPublishRead(t *testing.T) {
	r := newRelay(t)
	reply := uuid.NewString()
	if evs, err := r.Read(t.Context(), reply, 0); err != nil || len(evs) != 0 {
		t.Fatalf("Read(unpublished) = %v, %v; want nothing", evs, err)
	}
	sent := []support.StreamEvent{
		{ID: 1, Kind: support.EventDelta, Data: []byte(`{"content":"Hel"}`)},
		{ID: 2, Kind: support.EventDelta, Data: []byte(`{"content":"lo \n\u2028 \"x\""}`)},
		{ID: 3, Kind: support.EventDone, Data: []byte(`{"message_id":"m","content":"Hello"}`)},
	}
	// One event, then a batch.
	if err := r.Publish(t.Context(), reply, sent[0]); err != nil {
		t.Fatal(err)
	}
	if err := r.Publish(t.Context(), reply, sent[1:]...); err != nil {
		t.Fatal(err)
	}
	for after := range 4 {
		got, err := r.Read(t.Context(), reply, after)
		if err != nil {
			t.Fatal(err)
		}
		want := sent[after:]
		if len(got) != len(want) {
			t.Fatalf("Read(after %d) = %d events, want %d", after, len(got), len(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID || got[i].Kind != want[i].Kind || string(got[i].Data) != string(want[i].Data) {
				t.Errorf("Read(after %d)[%d] = %+v, want %+v", after, i, got[i], want[i])
			}
		}
	}
}

// An event published twice (a retried publish) is refused, not duplicated.
func TestPublishIsIdempotent(t *testing.T) {
	r := newRelay(t)
	reply := uuid.NewString()
	ev := support.StreamEvent{ID: 1, Kind: support.EventDelta, Data: []byte(`{"content":"a"}`)}
	if err := r.Publish(t.Context(), reply, ev); err != nil {
		t.Fatal(err)
	}
	if err := r.Publish(t.Context(), reply, ev); err == nil {
		t.Error("publishing event 1 twice succeeded")
	}
	if got, _ := r.Read(t.Context(), reply, 0); len(got) != 1 {
		t.Fatalf("%d events after a duplicate publish, want 1", len(got))
	}
}

func TestStreamsExpire(t *testing.T) {
	rdb, err := relay.Dial(t.Context(), relaytest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	r := relay.New(rdb, 30*time.Second)
	reply := uuid.NewString()
	if err := r.Publish(t.Context(), reply, support.StreamEvent{ID: 1, Kind: support.EventDelta, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.TTL(t.Context(), "supportd:reply:"+reply).Result()
	if err != nil || ttl <= 0 || ttl > 30*time.Second {
		t.Fatalf("TTL = %v, %v; want (0, 30s]", ttl, err)
	}
}

func TestDialRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://localhost:6379", "redis://127.0.0.1:1/0"} {
		if rdb, err := relay.Dial(t.Context(), u); err == nil {
			rdb.Close()
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
}
