package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// sampleSize is the number of articles in the embedded sample help center.
const sampleSize = 25

type articleJSON struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Score     float64   `json:"score"`
	Passages  []struct {
		Heading string  `json:"heading"`
		Text    string  `json:"text"`
		Score   float64 `json:"score"`
	} `json:"passages"`
}

// withSample runs f on every engine against an instance whose knowledge base
// was seeded with the sample, whatever the harness defaults to.
func withSample(t *testing.T, f func(t *testing.T, in *instance)) {
	t.Helper()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, start(t, engine, map[string]string{"KB_SEED_SAMPLE": "true"}))
		})
	}
}

// newStaff creates an agent through the operator path (the API only signs up
// customers) and logs in.
func (in *instance) newStaff(role support.Role) user {
	in.t.Helper()
	email := "staff-" + uuid.NewString() + "@example.com"
	u, err := in.app.Auth.CreateUser(context.Background(), support.Credentials{Email: email, Password: "correct horse battery"}, role)
	if err != nil {
		in.t.Fatalf("CreateUser: %v", err)
	}
	return user{ID: u.ID, Email: email, Token: in.login(email, "correct horse battery")}
}

func (in *instance) articles(token, query string) ([]articleJSON, response) {
	in.t.Helper()
	r := in.call(http.MethodGet, "/kb/articles"+query, token, nil)
	expect(in.t, r, http.StatusOK)
	var list []articleJSON
	r.json(in.t, &list)
	return list, r
}

func (in *instance) search(token, q string) []articleJSON {
	in.t.Helper()
	list, _ := in.articles(token, "?q="+url.QueryEscape(q))
	return list
}

func TestKBCustomerCanReadButNotWrite(t *testing.T) {
	withSample(t, func(t *testing.T, in *instance) {
		c := in.newUser()
		list, r := in.articles(c.Token, "")
		if len(list) != sampleSize || r.header.Get("Link") != "" {
			t.Fatalf("customer lists %d articles (Link %q), want all %d on one page", len(list), r.header.Get("Link"), sampleSize)
		}
		hits := in.search(c.Token, "refund")
		if len(hits) == 0 || hits[0].Slug != "refund-policy" || hits[0].Score <= 0 || len(hits[0].Passages) == 0 {
			t.Fatalf("search for refund: %+v", hits)
		}
		r = in.call(http.MethodGet, "/kb/articles/"+hits[0].ID, c.Token, nil)
		expect(t, r, http.StatusOK)
		var got articleJSON
		r.json(t, &got)
		if got.Slug != "refund-policy" || !strings.Contains(got.Body, "## Refund policy") || !slices.Contains(got.Tags, "refund") {
			t.Errorf("article %+v", got)
		}
		body := map[string]any{"title": "Mine now", "body": "Text"}
		for _, r := range []response{
			in.call(http.MethodPost, "/kb/articles", c.Token, body),
			in.call(http.MethodPut, "/kb/articles/"+got.ID, c.Token, body),
			in.call(http.MethodDelete, "/kb/articles/"+got.ID, c.Token, nil),
		} {
			expect(t, r, http.StatusForbidden)
			if d := r.detail(t); !strings.Contains(d, "agents and admins") {
				t.Errorf("403 detail %q", d)
			}
		}
		expect(t, in.call(http.MethodGet, "/kb/articles", "", nil), http.StatusUnauthorized)
	})
}

func TestKBAgentRoundTrip(t *testing.T) {
	withSample(t, func(t *testing.T, in *instance) {
		agent, admin := in.newStaff(support.RoleAgent), in.newStaff(support.RoleAdmin)
		r := in.call(http.MethodPost, "/kb/articles", agent.Token, map[string]any{
			"title": "  Pairing the Taskwren desk lamp  ", "body": "Hold the button for five seconds.\n\n## Blinking amber\nThe lamp lost its Wi-Fi; pair it again.",
			"tags": []string{"hardware", " lamp ", "hardware"},
		})
		expect(t, r, http.StatusCreated)
		var a articleJSON
		r.json(t, &a)
		if a.Slug != "pairing-the-taskwren-desk-lamp" || a.Title != "Pairing the Taskwren desk lamp" ||
			!slices.Equal(a.Tags, []string{"hardware", "lamp"}) || a.ID == "" || !a.UpdatedAt.Equal(a.CreatedAt) {
			t.Fatalf("created %+v", a)
		}
		if list, _ := in.articles(agent.Token, "?limit=1"); len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("newest article not listed first: %+v", list)
		}
		if hits := in.search(agent.Token, "my lamp keeps blinking amber"); len(hits) == 0 || hits[0].ID != a.ID || hits[0].Passages[0].Heading != "Blinking amber" {
			t.Errorf("search for the new article: %+v", hits)
		}

		r = in.call(http.MethodPut, "/kb/articles/"+a.ID, admin.Token, map[string]any{
			"slug": a.Slug, "title": "Pairing the desk lamp", "body": "## Flashing green\nFirmware update in progress; wait.",
		})
		expect(t, r, http.StatusOK)
		var u articleJSON
		r.json(t, &u)
		if u.ID != a.ID || u.Slug != a.Slug || u.Title != "Pairing the desk lamp" || len(u.Tags) != 0 ||
			!u.CreatedAt.Equal(a.CreatedAt) || !u.UpdatedAt.After(a.UpdatedAt) {
			t.Fatalf("updated %+v, was %+v", u, a)
		}
		if hits := in.search(agent.Token, "lamp flashing green firmware"); len(hits) == 0 || hits[0].ID != a.ID {
			t.Errorf("search does not reflect the update: %+v", hits)
		}
		if hits := in.search(agent.Token, "blinking amber"); slices.ContainsFunc(hits, func(h articleJSON) bool { return h.ID == a.ID }) {
			t.Errorf("search still finds the old text: %+v", hits)
		}

		expect(t, in.call(http.MethodDelete, "/kb/articles/"+a.ID, agent.Token, nil), http.StatusNoContent)
		expect(t, in.call(http.MethodGet, "/kb/articles/"+a.ID, agent.Token, nil), http.StatusNotFound)
		expect(t, in.call(http.MethodDelete, "/kb/articles/"+a.ID, agent.Token, nil), http.StatusNotFound)
		if hits := in.search(agent.Token, "lamp flashing green firmware"); slices.ContainsFunc(hits, func(h articleJSON) bool { return h.ID == a.ID }) {
			t.Errorf("deleted article still found: %+v", hits)
		}
	})
}

func TestKBValidationAndConflicts(t *testing.T) {
	withSample(t, func(t *testing.T, in *instance) {
		agent := in.newStaff(support.RoleAgent)
		long := func(n int) string { return strings.Repeat("x", n) }
		tags := make([]string, 21)
		for i := range tags {
			tags[i] = "t" + long(i%3)
		}
		invalid := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"blank title", map[string]any{"title": "   ", "body": "b"}, "body.title"},
			{"long title", map[string]any{"title": long(201), "body": "b"}, "body.title"},
			{"blank body", map[string]any{"title": "t", "body": "\n"}, "body.body"},
			{"long body", map[string]any{"title": "t", "body": long(50001)}, "body.body"},
			{"too many tags", map[string]any{"title": "t", "body": "b", "tags": tags}, "body.tags"},
			{"long tag", map[string]any{"title": "t", "body": "b", "tags": []string{"ok", long(41)}}, "body.tags[1]"},
			{"bad slug", map[string]any{"slug": "Not A Slug", "title": "t", "body": "b"}, "body.slug"},
			{"slug from nothing", map[string]any{"title": "???", "body": "b"}, "body.slug"},
			{"missing title", map[string]any{"body": "b"}, "body"},
		}
		for _, tt := range invalid {
			r := in.call(http.MethodPost, "/kb/articles", agent.Token, tt.body)
			expect(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.body), `"location":"`+tt.field) {
				t.Errorf("%s: 422 does not point at %s: %s", tt.name, tt.field, r.body)
			}
		}

		dup := in.call(http.MethodPost, "/kb/articles", agent.Token, map[string]any{"slug": "refund-policy", "title": "t", "body": "b"})
		expect(t, dup, http.StatusConflict)
		if d := dup.detail(t); !strings.Contains(d, "refund-policy") {
			t.Errorf("409 detail %q", d)
		}
		refund := in.search(agent.Token, "refund")[0]
		r := in.call(http.MethodPut, "/kb/articles/"+refund.ID, agent.Token, map[string]any{"slug": "renamed", "title": "t", "body": "b"})
		expect(t, r, http.StatusUnprocessableEntity)

		body := map[string]any{"title": "t", "body": "b"}
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			for _, r := range []response{
				in.call(http.MethodGet, "/kb/articles/"+id, agent.Token, nil),
				in.call(http.MethodPut, "/kb/articles/"+id, agent.Token, body),
				in.call(http.MethodDelete, "/kb/articles/"+id, agent.Token, nil),
			} {
				expect(t, r, http.StatusNotFound)
				r.detail(t)
			}
		}
	})
}

func TestKBListPages(t *testing.T) {
	withSample(t, func(t *testing.T, in *instance) {
		c := in.newUser()
		seen := map[string]bool{}
		next := "/kb/articles?limit=10"
		for pages := 0; next != ""; pages++ {
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			list, r := in.articles(c.Token, strings.TrimPrefix(next, "/kb/articles"))
			for _, a := range list {
				if seen[a.ID] {
					t.Errorf("article %s on two pages", a.Slug)
				}
				seen[a.ID] = true
			}
			next = linkNext(t, r.header.Get("Link"))
		}
		if len(seen) != sampleSize {
			t.Errorf("pages held %d articles, want %d", len(seen), sampleSize)
		}
		expect(t, in.call(http.MethodGet, "/kb/articles?q=refund&cursor=abc", c.Token, nil), http.StatusBadRequest)
		expect(t, in.call(http.MethodGet, "/kb/articles?cursor=abc", c.Token, nil), http.StatusBadRequest)
		expect(t, in.call(http.MethodGet, "/kb/articles?limit=-1", c.Token, nil), http.StatusUnprocessableEntity)
		if hits := in.search(c.Token, "what is the weather in Lisbon"); len(hits) != 0 {
			t.Errorf("off-topic search found %d articles", len(hits))
		}
		if hits, _ := in.articles(c.Token, "?limit=2&q="+url.QueryEscape("invoice payment card refund plan")); len(hits) != 2 {
			t.Errorf("search with limit 2 returned %d articles", len(hits))
		}
	})
}

var articlesLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// linkNext returns the path of a Link header's next page, or "" without one.
func linkNext(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		return ""
	}
	m := articlesLink.FindStringSubmatch(link)
	if m == nil || !strings.HasPrefix(m[1], "/kb/articles?") { // relative: never built from the request's Host
		t.Fatalf("Link header %q", link)
	}
	return m[1]
}

// TestKBDeleteRemovesFromRetrieval checks the assistant's call, Retrieve,
// against the API's writes.
func TestKBDeleteRemovesFromRetrieval(t *testing.T) {
	withSample(t, func(t *testing.T, in *instance) {
		const question = "You billed me twice this month, can I get my money back?"
		retrieve := func() []support.Passage {
			ps, err := in.app.KB.Retrieve(context.Background(), question, 5)
			if err != nil {
				t.Fatalf("Retrieve: %v", err)
			}
			return ps
		}
		before := retrieve()
		if len(before) == 0 || before[0].Slug != "refund-policy" || before[0].Title != "Refunds and cancellations" {
			t.Fatalf("Retrieve before delete: %+v", before)
		}
		agent := in.newStaff(support.RoleAgent)
		expect(t, in.call(http.MethodDelete, "/kb/articles/"+before[0].ArticleID, agent.Token, nil), http.StatusNoContent)
		for _, p := range retrieve() {
			if p.Slug == "refund-policy" {
				t.Fatalf("deleted article still retrieved: %+v", p)
			}
		}
	})
}

// TestKBSampleSeeding checks when start-up imports the sample: into an empty
// knowledge base, by default in development only, and never twice.
func TestKBSampleSeeding(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			tests := []struct {
				env  map[string]string
				want int
			}{
				{map[string]string{"SUPPORTD_ENV": "development", "KB_SEED_SAMPLE": ""}, sampleSize},
				{map[string]string{"SUPPORTD_ENV": "production", "KB_SEED_SAMPLE": ""}, 0},
				{map[string]string{"SUPPORTD_ENV": "development", "KB_SEED_SAMPLE": "false"}, 0},
				{map[string]string{"SUPPORTD_ENV": "production", "KB_SEED_SAMPLE": "true"}, sampleSize},
			}
			for _, tt := range tests {
				in := start(t, engine, tt.env)
				if n := articleCount(t, in); n != tt.want {
					t.Errorf("%v: %d articles, want %d", tt.env, n, tt.want)
				}
			}
			in := start(t, engine, map[string]string{"KB_SEED_SAMPLE": "true"})
			again, err := app.New(context.Background(), in.app.Config, slog.New(slog.NewTextHandler(io.Discard, nil)),
				app.Options{Version: "test", Argon2: &fastArgon})
			if err != nil {
				t.Fatalf("second app.New on the same database: %v", err)
			}
			defer again.Close()
			if n := articleCount(t, in); n != sampleSize {
				t.Errorf("after a restart: %d articles, want %d", n, sampleSize)
			}
		})
	}
}

func articleCount(t *testing.T, in *instance) int {
	t.Helper()
	n, err := in.app.DB.CountArticles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestArticleAliases: aliases are written, read and searched through the API;
// a PUT without them keeps them (clients of the original API know nothing of
// aliases), [] clears them, and each limit gives a 422 naming the field.
func TestArticleAliases(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		agent := in.newStaff(support.RoleAgent)
		type withAliases struct {
			articleJSON
			Aliases []string `json:"aliases"`
		}
		read := func(r response, status int) withAliases {
			t.Helper()
			expect(t, r, status)
			var a withAliases
			r.json(t, &a)
			return a
		}
		a := read(in.call(http.MethodPost, "/kb/articles", agent.Token, map[string]any{"title": "Garden gnomes",
			"body": "Gnomes ship within a week.", "aliases": []string{" where is my gnome ", "Where is my gnome", "waar blijft mijn tuinkabouter"}}),
			http.StatusCreated)
		if !slices.Equal(a.Aliases, []string{"where is my gnome", "waar blijft mijn tuinkabouter"}) {
			t.Fatalf("created aliases %q", a.Aliases)
		}
		hits := in.search(agent.Token, "mijn tuinkabouters zijn niet geleverd")
		if len(hits) == 0 || hits[0].ID != a.ID {
			t.Fatalf("a Dutch question found %+v", hits)
		}
		kept := read(in.call(http.MethodPut, "/kb/articles/"+a.ID, agent.Token, map[string]any{"title": "Garden gnomes",
			"body": "Gnomes ship within two weeks."}), http.StatusOK)
		if len(kept.Aliases) != 2 {
			t.Errorf("a PUT without aliases left %q", kept.Aliases)
		}
		cleared := read(in.call(http.MethodPut, "/kb/articles/"+a.ID, agent.Token, map[string]any{"title": "Garden gnomes",
			"body": "Gnomes ship within two weeks.", "aliases": []string{}}), http.StatusOK)
		if cleared.Aliases == nil || len(cleared.Aliases) != 0 {
			t.Errorf("aliases [] left %q", cleared.Aliases)
		}
		for field, aliases := range map[string][]string{
			"aliases":    make([]string, support.MaxArticleAliases+1),
			"aliases[1]": {"fine", strings.Repeat("é", support.MaxArticleAliasLen+1)},
			"aliases[0]": {"two\nlines"},
		} {
			r := in.call(http.MethodPost, "/kb/articles", agent.Token, map[string]any{"title": "T", "body": "B", "aliases": aliases})
			if expect(t, r, http.StatusUnprocessableEntity); !strings.Contains(string(r.body), `"body.`+field+`"`) {
				t.Errorf("%s: %s", field, r.body)
			}
		}
		ok := make([]string, support.MaxArticleAliases)
		for i := range ok {
			ok[i] = "alias " + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + uuid.NewString()[:4]
		}
		ok[0] = strings.Repeat("é", support.MaxArticleAliasLen)
		read(in.call(http.MethodPost, "/kb/articles", agent.Token, map[string]any{"title": "At the limits", "body": "B", "aliases": ok}),
			http.StatusCreated)
	})
}
