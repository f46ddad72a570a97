package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// seedMessages stores n messages on ticketID straight into the database, with
// one INSERT ... SELECT that generates the rows (10,000 take about a second even
// under -race, where binding parameters to SQLite is slow), two per second from
// start so that (created_at, id) ties are broken by id. It returns their ids,
// oldest first. It may leave the thread past TICKET_MAX_MESSAGES, as a thread
// stored before the cap was set or lowered.
func seedMessages(t *testing.T, in *instance, ticketID, authorID string, n int, start time.Time) []string {
	t.Helper()
	// UUID-shaped ids (cursors must hold one) that sort by i: i in hex, then a
	// suffix of this call's own.
	suffix := uuid.NewString()[8:]
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x%s", i, suffix)
	}
	tx, err := in.app.DB.SQL().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := seedSQLite
	if in.app.DB.Engine() == "postgres" {
		q = seedPostgres
		// Without the full-text trigger, which appends each message to its
		// ticket's tsvector: 10,000 appends to one ticket are quadratic (a
		// minute of one core), a transaction that long holds back the feed of
		// every other test on the server, and no test here searches these.
		if _, err := tx.ExecContext(t.Context(), "SET LOCAL session_replication_role = replica"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.ExecContext(t.Context(), q, n, suffix, ticketID, authorID, start.Unix()); err != nil {
		t.Fatalf("seed %d messages: %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// The statements seedMessages runs: $1 rows, id suffix $2, ticket $3, author $4,
// message i created at unix time $5 + i/2 (integer division).
const (
	seedSQLite = `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1)
INSERT INTO messages (id, ticket_id, author_id, sender, content, created_at)
SELECT printf('%08x', i) || $2, $3, $4, 'user', 'seeded message ' || i,
       strftime('%Y-%m-%dT%H:%M:%S', $5 + i / 2, 'unixepoch') || '.000000Z'
FROM seq`
	seedPostgres = `INSERT INTO messages (id, ticket_id, author_id, sender, content, created_at)
SELECT lpad(to_hex(i), 8, '0') || $2::text, $3, $4, 'user', 'seeded message ' || i, to_timestamp($5::bigint + i / 2)
FROM generate_series(0, $1::int - 1) AS i`
)

// threadLink matches a Link header with one relative target and its relation.
var threadLink = regexp.MustCompile(`^<(/[^>]+)>; rel="(next|prev)"$`)

// walkThread follows rel links from path until there is none and returns the
// pages in the order read. Each page is checked to be oldest first and within
// limit; between two pages it calls during (if set).
func walkThread(t *testing.T, in *instance, token, path, rel string, limit int, during func()) [][]messageJSON {
	t.Helper()
	var pages [][]messageJSON
	for path != "" {
		r := in.call(http.MethodGet, path, token, nil)
		expect(t, r, http.StatusOK)
		var page []messageJSON
		r.json(t, &page)
		if len(page) > limit {
			t.Fatalf("%s: page of %d, want at most %d", path, len(page), limit)
		}
		checkChronological(t, page)
		pages = append(pages, page)
		path = ""
		if link := r.header.Get("Link"); link != "" {
			m := threadLink.FindStringSubmatch(link)
			if m == nil || m[2] != rel || !strings.HasPrefix(m[1], "/tickets/") {
				t.Fatalf("Link %q, want a relative rel=%q link into /tickets/{id}/messages", link, rel)
			}
			path = m[1]
		}
		if during != nil && path != "" {
			during()
		}
	}
	return pages
}

func checkChronological(t *testing.T, msgs []messageJSON) {
	t.Helper()
	for i := 1; i < len(msgs); i++ {
		a, b := msgs[i-1], msgs[i]
		if b.CreatedAt.Before(a.CreatedAt) || (b.CreatedAt.Equal(a.CreatedAt) && b.ID <= a.ID) {
			t.Fatalf("messages %s and %s are out of order", a.ID, b.ID)
		}
	}
}

func pageIDs(pages [][]messageJSON) []string {
	var out []string
	for _, p := range pages {
		for _, m := range p {
			out = append(out, m.ID)
		}
	}
	return out
}

type ticketDetailJSON struct {
	ticketJSON
	HasMoreMessages bool `json:"has_more_messages"`
}

// TestLongThreadIsBoundedAndPaged seeds 10,000 messages: GET /tickets/{id}
// returns the newest 100, and both walks of GET /tickets/{id}/messages read the
// rest, every message exactly once and in order.
func TestLongThreadIsBoundedAndPaged(t *testing.T) {
	const total, recent = 10_000, 100
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "A very long thread", "")
		all := seedMessages(t, in, tk.ID, u.ID, total, time.Now().Add(-time.Hour))

		r := in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
		expect(t, r, http.StatusOK)
		var d ticketDetailJSON
		r.json(t, &d)
		if got := messageIDsOf(d.Messages); !slices.Equal(got, all[total-recent:]) || !d.HasMoreMessages || d.ID != tk.ID {
			t.Fatalf("GET /tickets/{id}: %d messages (has_more_messages %v), want the newest %d oldest first", len(got), d.HasMoreMessages, recent)
		}
		// About 190 bytes a message: 100 of them, not 10,000 (1.9 MB).
		if len(r.body) > 32<<10 {
			t.Errorf("GET /tickets/{id} body is %d bytes", len(r.body))
		}
		prev := threadLink.FindStringSubmatch(r.header.Get("Link"))
		if prev == nil || prev[2] != "prev" || !strings.HasPrefix(prev[1], "/tickets/"+tk.ID+"/messages?before=") {
			t.Fatalf("GET /tickets/{id} Link %q, want a rel=\"prev\" link to the older messages", r.header.Get("Link"))
		}

		forward := walkThread(t, in, u.Token, "/tickets/"+tk.ID+"/messages?limit=100", "next", 100, nil)
		if got := pageIDs(forward); !slices.Equal(got, all) || len(forward) != total/100 {
			t.Errorf("forward walk read %d messages in %d pages, want all %d in order in %d", len(got), len(forward), total, total/100)
		}

		backward := walkThread(t, in, u.Token, prev[1], "prev", 50, nil)
		slices.Reverse(backward) // each page is oldest first; the pages come newest first
		if got := pageIDs(backward); !slices.Equal(got, all[:total-recent]) {
			t.Errorf("backward walk read %d messages, want the %d older than the inline page, in order", len(got), total-recent)
		}
	})
}

func messageIDsOf(msgs []messageJSON) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// TestThreadWalkWhileWriting adds a message between pages: a forward walk still
// reads every message exactly once, in order, ending with the new ones.
func TestThreadWalkWhileWriting(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Busy", "")
		seedMessages(t, in, tk.ID, u.ID, 45, time.Now().Add(-time.Hour))
		n := 0
		pages := walkThread(t, in, u.Token, "/tickets/"+tk.ID+"/messages?limit=10", "next", 10, func() {
			n++
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": fmt.Sprint("during the walk ", n)}), 201)
		})
		stored, err := in.app.DB.Messages(t.Context(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range stored {
			want = append(want, m.ID)
		}
		if got := pageIDs(pages); !slices.Equal(got, want) || len(want) != 45+n || n < 4 {
			t.Errorf("walk read %d messages, want all %d (45 + %d written during it) once each, in order", len(got), len(want), n)
		}
	})
}

func TestThreadPageParameters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		alice, bob := in.newUser(), in.newUser()
		tk := in.createTicket(alice.Token, "Parameters", "")
		all := seedMessages(t, in, tk.ID, alice.ID, 150, time.Now().Add(-time.Hour))
		path := "/tickets/" + tk.ID + "/messages"
		page := func(query string) ([]messageJSON, response) {
			r := in.call(http.MethodGet, path+query, alice.Token, nil)
			expect(t, r, http.StatusOK)
			var msgs []messageJSON
			r.json(t, &msgs)
			return msgs, r
		}
		if msgs, r := page(""); !slices.Equal(messageIDsOf(msgs), all[:50]) || !strings.HasSuffix(r.header.Get("Link"), `>; rel="next"`) {
			t.Errorf("default page: %d messages, Link %q; want the first 50 and a next link", len(msgs), r.header.Get("Link"))
		}
		if msgs, r := page("?limit=1000"); !slices.Equal(messageIDsOf(msgs), all[:100]) || !strings.Contains(r.header.Get("Link"), "limit=1000") {
			t.Errorf("limit=1000: %d messages, Link %q; want 100 (clamped) and the limit kept in the link", len(msgs), r.header.Get("Link"))
		}
		if msgs, r := page("?limit=150"); len(msgs) != 100 || r.header.Get("Link") == "" {
			t.Errorf("limit=150: %d messages, Link %q", len(msgs), r.header.Get("Link"))
		}
		if msgs, r := page("?limit=7&before="); len(msgs) != 7 || r.header.Get("Link") == "" {
			t.Errorf("an empty before is no before: %d messages, Link %q", len(msgs), r.header.Get("Link"))
		}
		expect(t, in.call(http.MethodGet, path+"?limit=-1", alice.Token, nil), http.StatusUnprocessableEntity)
		_, first := page("?limit=10")
		cursor := strings.TrimSuffix(strings.SplitN(first.header.Get("Link"), "cursor=", 2)[1], `&limit=10>; rel="next"`)
		for _, q := range []string{"?cursor=abc", "?before=abc", "?cursor=" + cursor + "&before=" + cursor,
			"?cursor=eyJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJpZCI6Im5vdC1hLXV1aWQifQ"} { // valid JSON, id not a UUID
			r := in.call(http.MethodGet, path+q, alice.Token, nil)
			expect(t, r, http.StatusBadRequest)
			r.detail(t)
		}

		missing := in.call(http.MethodGet, "/tickets/"+uuid.Must(uuid.NewV7()).String()+"/messages", bob.Token, nil)
		expect(t, missing, http.StatusNotFound)
		for _, q := range []string{"", "?limit=5", "?cursor=" + cursor} {
			r := in.call(http.MethodGet, path+q, bob.Token, nil)
			if r.status != http.StatusNotFound || !bytes.Equal(r.body, missing.body) || r.header.Get("Link") != "" {
				t.Errorf("bob reads alice's thread%s: %d %s; want the 404 of a missing ticket", q, r.status, r.body)
			}
		}
		expect(t, in.call(http.MethodGet, "/tickets/not-a-uuid/messages", alice.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodGet, path, "", nil), http.StatusUnauthorized)
	})
}

// TestMessageCap fills a ticket to TICKET_MAX_MESSAGES, AI replies included:
// the next message gets 422 naming the cap, and nothing stored is lost.
func TestMessageCap(t *testing.T) {
	forEachEngineWith(t, map[string]string{"TICKET_MAX_MESSAGES": "3"}, func(t *testing.T, in *instance) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Capped", "")
		post := func(content string) response {
			return in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": content})
		}
		expect(t, post("one"), http.StatusCreated)
		evs := in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
		if len(evs) == 0 || evs[len(evs)-1].Event != "done" {
			t.Fatalf("AI reply events %+v", evs)
		}
		expect(t, post("three"), http.StatusCreated)
		r := post("four")
		expect(t, r, http.StatusUnprocessableEntity)
		if d := r.detail(t); d != "ticket has reached its limit of 3 messages; open a new ticket" {
			t.Errorf("detail %q", d)
		}
		// An AI reply would be a fourth message: refused before any model cost.
		ai := in.call(http.MethodGet, aiPath(tk.ID), u.Token, nil)
		expect(t, ai, http.StatusUnprocessableEntity)
		if d := ai.detail(t); d != "ticket has reached its limit of 3 messages; open a new ticket" {
			t.Errorf("AI reply on a full ticket: detail %q", d)
		}
		got := in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
		var d ticketDetailJSON
		got.json(t, &d)
		if msgs := d.Messages; len(msgs) != 3 || msgs[0].Content != "one" || msgs[1].Sender != "ai" || msgs[2].Content != "three" {
			t.Errorf("thread after the refusal: %+v", msgs)
		}
		if d.HasMoreMessages || got.header.Get("Link") != "" {
			t.Errorf("a whole thread inline: has_more_messages %v, Link %q", d.HasMoreMessages, got.header.Get("Link"))
		}
	})
}

// TestMessageCapRace sends two messages at once to a ticket one below its cap,
// several times over: exactly one of each pair gets in.
func TestMessageCapRace(t *testing.T) {
	forEachEngineWith(t, map[string]string{"TICKET_MAX_MESSAGES": "2"}, func(t *testing.T, in *instance) {
		u := in.newUser()
		for round := range 5 {
			tk := in.createTicket(u.Token, fmt.Sprint("race ", round), "")
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "first"}), 201)
			statuses := make(chan int, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() { statuses <- postStatus(in, u.Token, tk.ID, fmt.Sprint("racer ", i)) })
			}
			wg.Wait()
			close(statuses)
			got := map[int]int{}
			for s := range statuses {
				got[s]++
			}
			if got[http.StatusCreated] != 1 || got[http.StatusUnprocessableEntity] != 1 {
				t.Errorf("round %d: statuses %v, want one 201 and one 422", round, got)
			}
			if n := len(in.thread(u.Token, tk.ID).Messages); n != 2 {
				t.Errorf("round %d: thread of %d messages, want 2", round, n)
			}
		}
	})
}

// postStatus posts a message and returns the status, or 0 on a transport
// error; safe in a goroutine, unlike in.call.
func postStatus(in *instance, token, ticketID, content string) int {
	req, err := http.NewRequest(http.MethodPost, in.url+"/tickets/"+ticketID+"/messages",
		strings.NewReader(fmt.Sprintf(`{"content":%q}`, content)))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// linkWithHost sends a GET whose Host and forwarding headers an attacker chose,
// and returns the Link header.
func linkWithHost(t *testing.T, in *instance, path, token string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, in.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil-forwarded.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Forwarded", "host=evil-forwarded.example;proto=https")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return resp.Header.Get("Link")
}

// TestLinksIgnoreHost checks every paginated route's Link header: relative
// without PUBLIC_URL, under PUBLIC_URL with it, never the request's Host.
func TestLinksIgnoreHost(t *testing.T) {
	for _, publicURL := range []string{"", "https://support.example.com/api"} {
		name := "relative"
		if publicURL != "" {
			name = "public_url"
		}
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"TICKET_RECENT_MESSAGES": "2", "PUBLIC_URL": publicURL}
			forEachEngineWith(t, env, func(t *testing.T, in *instance) {
				u := in.newUser()
				tk := in.createTicket(u.Token, "one", "")
				in.createTicket(u.Token, "two", "")
				seedMessages(t, in, tk.ID, u.ID, 5, time.Now().Add(-time.Hour))
				for path, want := range map[string]string{
					"/tickets?limit=1":                        "/tickets?cursor=",
					"/tickets/" + tk.ID:                       "/tickets/" + tk.ID + "/messages?before=",
					"/tickets/" + tk.ID + "/messages?limit=1": "/tickets/" + tk.ID + "/messages?cursor=",
					"/tickets/" + tk.ID + "/messages?limit=1&before=" + beforeCursor(t, in, u.Token, tk.ID): "/tickets/" + tk.ID + "/messages?before=",
				} {
					link := linkWithHost(t, in, path, u.Token)
					if strings.Contains(link, "evil") || !strings.HasPrefix(link, "<"+publicURL+want) {
						t.Errorf("GET %s with a forged Host: Link %q, want it to start with <%s%s", path, link, publicURL, want)
					}
				}
			})
		})
	}
}

// beforeCursor returns the before-cursor GET /tickets/{id} links to.
func beforeCursor(t *testing.T, in *instance, token, ticketID string) string {
	t.Helper()
	link := in.call(http.MethodGet, "/tickets/"+ticketID, token, nil).header.Get("Link")
	_, after, ok := strings.Cut(link, "before=")
	if !ok {
		t.Fatalf("GET /tickets/%s has no before link: %q", ticketID, link)
	}
	return strings.TrimSuffix(after, `>; rel="prev"`)
}
