package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/store/storetest"
)

// Two instances share PostgreSQL and Redis. A client whose request lands on the
// instance that is not generating the reply resumes exactly after its Last-Event-ID
// and follows the live tail through Redis, not only once the reply is stored.
func TestReplyFollowedAcrossInstances(t *testing.T) {
	redisURL := relaytest.URL(t)
	if !slices.Contains(engines(t), "postgres") {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite runs one instance per file")
	}
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, "postgres"), "REDIS_URL": redisURL, "AI_IDLE_TIMEOUT": "20s"}
	gen, fake := withUpstream(t, "postgres", env)
	other := start(t, "postgres", env)

	u := gen.newUser()
	tk := gen.createTicket(u.Token, "Calendar sync stopped", "Nothing has synced since yesterday.")
	// Two deltas, then the upstream stalls long enough for the other instance to be asked.
	fake.Enqueue(llmtest.Reply("Reconnect ", "your ", "calendar ", "in Settings.").StallAfter(2, 3*time.Second))
	first := gen.openStream(aiPath(tk.ID), u.Token, nil)
	if got := joinDeltas(t, first.take(t, 2), 1); got != "Reconnect your " {
		t.Fatalf("first client got %q", got)
	}

	follower := other.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "1"})
	ev, err := follower.next()
	if err != nil || ev.ID != 2 || ev.content(t) != "your " {
		t.Fatalf("other instance's first event = %+v, %v; want delta 2", ev, err)
	}
	var status string
	if err := gen.app.DB.SQL().QueryRow("SELECT status FROM ai_replies WHERE ticket_id = $1", tk.ID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "streaming" {
		t.Fatalf("reply status %q when the other instance relayed delta 2: want it live, while streaming", status)
	}

	// A new request there (no Last-Event-ID) joins the same reply from its start
	// instead of generating another.
	joiner := other.openStream(aiPath(tk.ID), u.Token, nil)
	if got := joinDeltas(t, joiner.all(t), 1); got != "Reconnect your calendar in Settings." {
		t.Fatalf("joiner on the other instance got %q", got)
	}

	rest := follower.all(t)
	if got := joinDeltas(t, append([]sseEvent{ev}, rest...), 2); got != "your calendar in Settings." {
		t.Fatalf("other instance relayed %q", got)
	}
	if last := rest[len(rest)-1]; last.Event != "done" || !strings.Contains(last.Data, "Reconnect your calendar in Settings.") {
		t.Fatalf("final event %+v, want done with the whole reply", last)
	}
	if msgs := gen.aiMessages(u.Token, tk.ID); len(msgs) != 1 {
		t.Fatalf("%d AI messages, want 1", len(msgs))
	}
}

// Redis going away mid-reply costs only liveness: the generation completes, and the
// client on the other instance gets the rest from the database, with no gap.
func TestRelayOutageFallsBackToDatabase(t *testing.T) {
	redisURL := relaytest.URL(t)
	if !slices.Contains(engines(t), "postgres") {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite runs one instance per file")
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	dbURL := storetest.NewURL(t, "postgres")
	gen, fake := withUpstream(t, "postgres", map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": u.String(), "AI_IDLE_TIMEOUT": "20s"})
	other := start(t, "postgres", map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": redisURL})

	usr := gen.newUser()
	tk := gen.createTicket(usr.Token, "Invoice missing", "October's invoice is not in my account.")
	fake.Enqueue(llmtest.Reply("Invoices ", "are ", "under ", "Billing.").StallAfter(2, 2*time.Second))
	first := gen.openStream(aiPath(tk.ID), usr.Token, nil)
	head := []sseEvent{}
	for range 2 {
		ev, err := first.next()
		if err != nil {
			t.Fatal(err)
		}
		head = append(head, ev)
	}
	proxy.down() // the generating instance loses Redis during the stall

	follower := other.openStream(aiPath(tk.ID), usr.Token, map[string]string{"Last-Event-ID": "1"})
	evs := follower.all(t)
	if got := joinDeltas(t, evs, 2); got != "are under Billing." {
		t.Fatalf("other instance relayed %q", got)
	}
	if last := evs[len(evs)-1]; last.Event != "done" {
		t.Fatalf("final event %+v, want done", last)
	}
	rest := first.all(t)
	if got := joinDeltas(t, append(head, rest...), 1); got != "Invoices are under Billing." || rest[len(rest)-1].Event != "done" {
		t.Fatalf("generating instance's client got %q, final %+v", got, rest[len(rest)-1])
	}

	// Still without Redis, the instance keeps answering: its stream limit falls back
	// to counting on the instance.
	next := gen.createTicket(usr.Token, "Receipt", "Can I get a receipt?")
	fake.Enqueue(llmtest.Reply("Yes."))
	evs = gen.openStream(aiPath(next.ID), usr.Token, nil).all(t)
	if last := evs[len(evs)-1]; last.Event != "done" {
		t.Fatalf("with Redis down: final event %+v, want done", last)
	}
}

// With Redis, a user's concurrent-stream limit holds across instances.
func TestStreamLimitAcrossInstances(t *testing.T) {
	redisURL := relaytest.URL(t)
	if !slices.Contains(engines(t), "postgres") {
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite runs one instance per file")
	}
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, "postgres"), "REDIS_URL": redisURL,
		"AI_IDLE_TIMEOUT": "20s", "AI_CONCURRENT_STREAMS": "1"}
	one, fake := withUpstream(t, "postgres", env)
	two := start(t, "postgres", env)

	usr := one.newUser()
	busy := one.createTicket(usr.Token, "Busy", "A long answer is coming.")
	other := one.createTicket(usr.Token, "Other", "Another question.")
	fake.Enqueue(llmtest.Reply("Working ", "on ", "it.").StallAfter(1, 2*time.Second))
	first := one.openStream(aiPath(busy.ID), usr.Token, nil)
	if _, err := first.next(); err != nil {
		t.Fatal(err)
	}

	r := two.call(http.MethodGet, aiPath(other.ID), usr.Token, nil)
	expect(t, r, http.StatusTooManyRequests)
	r.detail(t)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	first.all(t) // the first stream ends and frees its slot
	fake.Enqueue(llmtest.Reply("Sure."))
	evs := two.openStream(aiPath(other.ID), usr.Token, nil).all(t)
	if last := evs[len(evs)-1]; last.Event != "done" {
		t.Fatalf("after the first stream ended: final event %+v, want done", last)
	}
}
