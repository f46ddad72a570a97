package app_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/store/storetest"
)

func TestStreamTokenForEventSource(t *testing.T) {
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		u, other := in.newUser(), in.newUser()
		tk := in.createTicket(u.Token, "Browser", "")
		second := in.createTicket(u.Token, "Another", "")
		r := in.call(http.MethodPost, aiPath(tk.ID)+"/token", u.Token, nil)
		expect(t, r, http.StatusCreated)
		var tok struct {
			StreamToken string `json:"stream_token"`
			ExpiresIn   int    `json:"expires_in"`
			URL         string `json:"url"`
		}
		r.json(t, &tok)
		if len(tok.StreamToken) < 43 || tok.ExpiresIn <= 0 || tok.ExpiresIn > 300 {
			t.Fatalf("token response %s", r.body)
		}
		if got := in.openStream(aiPath(second.ID)+"?stream_token="+tok.StreamToken, "", nil); got.resp.StatusCode != 401 {
			t.Fatalf("token used on another ticket: %d", got.resp.StatusCode)
		}
		r = in.call(http.MethodPost, aiPath(tk.ID)+"/token", u.Token, nil)
		r.json(t, &tok)
		evs := in.openStream(tok.URL, "", nil).all(t)
		if evs[len(evs)-1].Event != "done" {
			t.Fatalf("stream with token: %+v", evs)
		}
		if again := in.openStream(tok.URL, "", nil); again.resp.StatusCode != 401 {
			t.Fatalf("token reused: status %d", again.resp.StatusCode)
		}
		// Resuming from a browser: a fresh token and the last id in the query.
		r = in.call(http.MethodPost, aiPath(tk.ID)+"/token", u.Token, nil)
		r.json(t, &tok)
		tail := in.openStream(tok.URL+"&last_event_id=1", "", nil).all(t)
		if len(tail) != len(evs)-1 || tail[0].ID != 2 {
			t.Fatalf("resume with last_event_id: %+v", tail)
		}
		expect(t, in.call(http.MethodPost, aiPath(tk.ID)+"/token", other.Token, nil), 404)
		if garbage := in.openStream(aiPath(tk.ID)+"?stream_token=garbage", "", nil); garbage.resp.StatusCode != 401 {
			t.Fatalf("garbage token: %d", garbage.resp.StatusCode)
		}
	})
}

func TestAIRateLimits(t *testing.T) {
	in, fake := withUpstream(t, "sqlite", map[string]string{"AI_REPLIES_PER_HOUR": "2", "AI_CONCURRENT_STREAMS": "1"})
	u := in.newUser()
	tk := in.createTicket(u.Token, "Limits", "")

	fake.Enqueue(llmtest.Reply(spaced(strings.Fields("a slow reply that keeps the slot busy"))...).TokenDelay(40 * time.Millisecond))
	slow := in.openStream(aiPath(tk.ID), u.Token, nil)
	other := in.createTicket(u.Token, "Second ticket", "")
	r := in.call(http.MethodGet, aiPath(other.ID), u.Token, nil)
	expect(t, r, http.StatusTooManyRequests)
	r.detail(t)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	slow.all(t)

	in.openStream(aiPath(tk.ID), u.Token, nil).all(t) // second reply this hour
	r = in.call(http.MethodGet, aiPath(tk.ID), u.Token, nil)
	expect(t, r, http.StatusTooManyRequests)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// Another user has a quota of their own.
	v := in.newUser()
	vt := in.createTicket(v.Token, "Mine", "")
	if evs := in.openStream(aiPath(vt.ID), v.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
		t.Fatalf("other user limited: %+v", evs)
	}
}

func TestKeepAliveComments(t *testing.T) {
	in, fake := withUpstream(t, "sqlite", nil)
	fake.Enqueue(llmtest.Reply("slow", " start").StallBeforeFirst(700 * time.Millisecond))
	u := in.newUser()
	tk := in.createTicket(u.Token, "Slow", "")
	s := in.openStream(aiPath(tk.ID), u.Token, nil)
	evs := s.all(t)
	if s.keepAlives == 0 || evs[len(evs)-1].Event != "done" {
		t.Fatalf("keep-alives %d, events %+v", s.keepAlives, evs)
	}
}

func TestInterruptedReplyIsFailedOnStart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Crash", "")
		// A reply left streaming by a process that died after two deltas.
		old := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000000Z")
		_, err := in.app.DB.SQL().Exec(`INSERT INTO ai_replies (id, ticket_id, requested_by, status, content, chunk_ends, created_at, heartbeat_at)
			VALUES ('01a21300-0000-7000-8000-000000000001', $1, $2, 'streaming', 'Hello there', '[6, 11]', $3, $3)`, tk.ID, u.ID, old)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		in.app.Start(ctx)
		var status string
		in.app.DB.SQL().QueryRow(`SELECT status FROM ai_replies WHERE ticket_id = $1`, tk.ID).Scan(&status)
		if status != "failed" {
			t.Fatalf("status %q after start", status)
		}
		evs := in.openStream(aiPath(tk.ID), u.Token, map[string]string{"Last-Event-ID": "1"}).all(t)
		if len(evs) != 2 || evs[0].content(t) != "there" || evs[1].Event != "error" || !strings.Contains(evs[1].Data, "detail") {
			t.Fatalf("resume of a failed reply: %+v", evs)
		}
		if len(in.aiMessages(u.Token, tk.ID)) != 0 {
			t.Fatal("a failed reply appears in the thread")
		}
		// The ticket is free for a new reply.
		if evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
			t.Fatalf("new reply after crash: %+v", evs)
		}
	})
}

// The stream slot is taken while the request is admitted (support.Assistant.Open):
// a request that is refused still answers 401 or 404, never 429, and gives its
// slot back. With shared slots (Redis) as with slots on the instance.
func TestStreamSlotTakenDuringAdmission(t *testing.T) {
	run := func(t *testing.T, in *instance, fake *llmtest.Server) {
		u, other := in.newUser(), in.newUser()
		mine := in.createTicket(u.Token, "Mine", "")
		theirs := in.createTicket(other.Token, "Theirs", "")
		fake.Enqueue(llmtest.Reply(spaced(strings.Fields("a slow reply holding the only slot"))...).TokenDelay(40 * time.Millisecond))
		slow := in.openStream(aiPath(mine.ID), u.Token, nil)
		slow.take1(t)
		// The only slot is taken, yet what the user may not see is still not found.
		expect(t, in.call(http.MethodGet, aiPath(theirs.ID), u.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodGet, aiPath(mine.ID+"0"), u.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodGet, aiPath(in.createTicket(u.Token, "Second", "").ID), u.Token, nil), http.StatusTooManyRequests)
		slow.all(t)
		// Refused requests leave no slot behind: the next reply streams.
		for range 3 {
			expect(t, in.call(http.MethodGet, aiPath(theirs.ID), u.Token, nil), http.StatusNotFound)
		}
		if evs := in.openStream(aiPath(mine.ID), u.Token, nil).all(t); evs[len(evs)-1].Event != "done" {
			t.Fatalf("reply after refused requests: %+v", evs)
		}
	}
	limits := map[string]string{"AI_CONCURRENT_STREAMS": "1"}
	t.Run("on the instance", func(t *testing.T) {
		in, fake := withUpstream(t, "sqlite", limits)
		run(t, in, fake)
	})
	t.Run("shared through Redis", func(t *testing.T) {
		env := map[string]string{"AI_CONCURRENT_STREAMS": "1", "REDIS_URL": relaytest.URL(t)}
		if !slices.Contains(engines(t), "postgres") {
			t.Skip("needs PostgreSQL (TEST_DATABASE_URL): REDIS_URL is for several instances, which SQLite cannot share")
		}
		env["DATABASE_URL"] = storetest.NewURL(t, "postgres")
		in, fake := withUpstream(t, "postgres", env)
		run(t, in, fake)
	})
}
