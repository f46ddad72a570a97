package store_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/textsearch"
)

// kbService is the knowledge-base service over db, as the app wires it.
func kbService(db *store.DB) *support.KBService {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return support.NewKBService(db, log, time.Now, func() string { return uuid.Must(uuid.NewV7()).String() }, nil, nil)
}

// mustImportSample imports the embedded sample knowledge base.
func mustImportSample(t *testing.T, svc *support.KBService) int {
	t.Helper()
	sample, err := kb.Sample()
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	if _, _, _, err := svc.ImportArticles(t.Context(), sample); err != nil {
		t.Fatalf("ImportArticles: %v", err)
	}
	return len(sample)
}

func slugsOf(ps []support.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s (%.2f)", p.Slug, p.Score)
	}
	return out
}

// terms analyses English text as the knowledge-base service does.
func terms(text string) []string {
	an, _ := store.DefaultAnalyzer()
	return an.Terms(text, textsearch.English)
}

// search runs SearchPassages on text's terms, as Ground does before it judges the result.
func search(t *testing.T, db *store.DB, text string) []support.Passage {
	t.Helper()
	got, err := db.SearchPassages(t.Context(), support.PassageQuery{Terms: terms(text), Limit: 10, PerArticle: support.PassagesPerArticle})
	if err != nil {
		t.Fatalf("SearchPassages(%q): %v", text, err)
	}
	if got == nil {
		t.Fatalf("SearchPassages(%q) = nil, want a slice", text)
	}
	return got
}

func TestImportIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := kbService(db)
		sample, err := kb.Sample()
		if err != nil {
			t.Fatal(err)
		}
		check := func(step string, wantC, wantU, wantK int) {
			t.Helper()
			c, u, k, err := svc.ImportArticles(ctx, sample)
			if err != nil || c != wantC || u != wantU || k != wantK {
				t.Fatalf("%s: ImportArticles = %d created, %d updated, %d unchanged, %v; want %d, %d, %d",
					step, c, u, k, err, wantC, wantU, wantK)
			}
		}
		check("first import", len(sample), 0, 0)
		before, err := db.ArticleBySlug(ctx, "refund-policy")
		if err != nil {
			t.Fatal(err)
		}
		check("second import", 0, 0, len(sample))
		after, err := db.ArticleBySlug(ctx, "refund-policy")
		if err != nil || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("unchanged article rewritten: updated_at %v, was %v (%v)", after.UpdatedAt, before.UpdatedAt, err)
		}
		sample[0].Body += "\n\nOne more paragraph."
		sample = append(sample, kb.Article{Slug: "new-one", Title: "A new one", Body: "Fresh text."})
		check("import with one change and one addition", 1, 1, len(sample)-2)
		if n, err := db.CountArticles(ctx); err != nil || n != len(sample) {
			t.Errorf("CountArticles = %d, %v; want %d", n, err, len(sample))
		}
	})
}

func TestImportRejectsBadArticlesBeforeWriting(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		svc := kbService(db)
		tests := []struct {
			name     string
			articles []kb.Article
			slug     string
		}{
			{"bad slug", []kb.Article{{Slug: "ok", Title: "T", Body: "B"}, {Slug: "Not OK", Title: "T", Body: "B"}}, "Not OK"},
			{"slug twice", []kb.Article{{Slug: "same", Title: "T", Body: "B"}, {Slug: "same", Title: "U", Body: "C"}}, "same"},
			{"too many tags", []kb.Article{{Slug: "tags", Title: "T", Body: "B", Tags: make([]string, 21)}}, "tags"},
		}
		for _, tt := range tests {
			_, _, _, err := svc.ImportArticles(t.Context(), tt.articles)
			var ie *support.ImportError
			if !errors.As(err, &ie) || ie.Slug != tt.slug || support.ErrorCode(err) != support.CodeInvalid {
				t.Errorf("%s: error %v, want an invalid-article ImportError for %q", tt.name, err, tt.slug)
			}
		}
		if n, err := db.CountArticles(t.Context()); err != nil || n != 0 {
			t.Errorf("a failed import wrote %d articles (%v)", n, err)
		}
	})
}

func TestArticleRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		a := &support.Article{Slug: "printer", Title: "Printer fires", Body: "Unplug the printer.\n\n## Smoke\nOpen a window.",
			Tags: []string{"hardware", "safety"}, CreatedAt: t0}
		if err := db.CreateArticle(ctx, a); err != nil {
			t.Fatalf("CreateArticle: %v", err)
		}
		if a.ID == "" || !a.UpdatedAt.Equal(a.CreatedAt) {
			t.Errorf("CreateArticle did not fill ID and UpdatedAt: %+v", a)
		}
		for name, get := range map[string]func() (*support.Article, error){
			"by id":   func() (*support.Article, error) { return db.ArticleByID(ctx, a.ID) },
			"by slug": func() (*support.Article, error) { return db.ArticleBySlug(ctx, a.Slug) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkArticle(t, got, a)
		}
		got, err := db.ArticlesByID(ctx, []string{a.ID, "missing"})
		if err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("ArticlesByID = %v, %v; want just %s", got, err, a.ID)
		}
		untagged := &support.Article{Slug: "untagged", Title: "T", Body: "B"}
		if err := db.CreateArticle(ctx, untagged); err != nil || untagged.Tags == nil {
			t.Fatalf("CreateArticle(no tags) = %v, tags %#v", err, untagged.Tags)
		}
		back, err := db.ArticleByID(ctx, untagged.ID)
		if err != nil || back.Tags == nil || len(back.Tags) != 0 {
			t.Errorf("untagged article read back with tags %#v, %v; want empty, not nil", back.Tags, err)
		}
	})
}

// checkArticle wants got equal to want, times in UTC.
func checkArticle(t *testing.T, got, want *support.Article) {
	t.Helper()
	if got.ID != want.ID || got.Slug != want.Slug || got.Title != want.Title || got.Body != want.Body || !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("article = %+v, want %+v", got, want)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func TestArticleErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		taken := &support.Article{Slug: "taken", Title: "T", Body: "B"}
		if err := db.CreateArticle(ctx, taken); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			err    error
			wantIs error
		}{
			{"duplicate slug", db.CreateArticle(ctx, &support.Article{Slug: "taken", Title: "U", Body: "C"}), support.ErrDuplicateSlug},
			{"update missing", db.UpdateArticle(ctx, &support.Article{ID: "missing", Title: "T", Body: "B"}), support.ErrNotFound},
			{"delete missing", db.DeleteArticle(ctx, "missing"), support.ErrNotFound},
			{"by id missing", errOf(db.ArticleByID(ctx, "missing")), support.ErrNotFound},
			{"by slug missing", errOf(db.ArticleBySlug(ctx, "missing")), support.ErrNotFound},
		}
		for _, tt := range tests {
			if !errors.Is(tt.err, tt.wantIs) {
				t.Errorf("%s: error %v, want %v", tt.name, tt.err, tt.wantIs)
			}
		}
		if n, err := db.CountArticles(ctx); err != nil || n != 1 {
			t.Errorf("CountArticles = %d, %v; want 1", n, err)
		}
	})
}

func errOf(_ *support.Article, err error) error { return err }

func TestUpdateRebuildsPassages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		mustImportSample(t, kbService(db))
		a := &support.Article{Slug: "printers", Title: "Office printers", Tags: []string{"hardware"},
			Body: "## Paper jams\nOpen tray two and pull the crumpled sheet out gently."}
		if err := db.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got := search(t, db, "my paper is crumpled and jammed in the tray"); len(got) == 0 || got[0].ArticleID != a.ID {
			t.Fatalf("search before update = %v, want %s first", slugsOf(got), a.Slug)
		}
		a.Body = "## Toner\nShake the cartridge, then reseat it.\n\n## Drivers\nInstall the latest driver from the vendor."
		if err := db.UpdateArticle(ctx, a); err != nil {
			t.Fatalf("UpdateArticle: %v", err)
		}
		if got := search(t, db, "my paper is crumpled and jammed in the tray"); slices.ContainsFunc(got, func(p support.Passage) bool { return p.ArticleID == a.ID }) {
			t.Errorf("old text still found after update: %v", slugsOf(got))
		}
		got := search(t, db, "how do I shake and reseat the toner cartridge")
		if len(got) == 0 || got[0].ArticleID != a.ID || got[0].Heading != "Toner" || got[0].Title != "Office printers" {
			t.Fatalf("search after update = %+v, want the Toner passage of %s first", got, a.Slug)
		}
		if !strings.HasPrefix(got[0].Text, "Shake the cartridge") {
			t.Errorf("passage text %q", got[0].Text)
		}
		checkIndex(t, db)
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatalf("DeleteArticle: %v", err)
		}
		checkIndex(t, db)
		if got := search(t, db, "how do I shake and reseat the toner cartridge"); slices.ContainsFunc(got, func(p support.Passage) bool { return p.ArticleID == a.ID }) {
			t.Errorf("deleted article still found: %v", slugsOf(got))
		}
	})
}

func TestSearchPassageLimits(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		mustImportSample(t, kbService(db))
		text := "refund invoice billing payment card charged twice VAT plan price"
		for _, tt := range []struct{ limit, perArticle int }{{10, 2}, {3, 2}, {10, 1}, {0, 2}, {5, 0}} {
			got, err := db.SearchPassages(t.Context(), support.PassageQuery{Terms: terms(text), Limit: tt.limit, PerArticle: tt.perArticle})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > tt.limit || (tt.limit > 0 && tt.perArticle > 0 && len(got) == 0) {
				t.Errorf("limit %d: %d passages", tt.limit, len(got))
			}
			perArticle := map[string]int{}
			for i, p := range got {
				if perArticle[p.ArticleID]++; perArticle[p.ArticleID] > tt.perArticle {
					t.Errorf("limit %d per article %d: %d passages of %s", tt.limit, tt.perArticle, perArticle[p.ArticleID], p.Slug)
				}
				if i > 0 && p.Score > got[i-1].Score {
					t.Errorf("not best first: %v", slugsOf(got))
				}
			}
		}
	})
}

// TestSearchShortQueries: one or two words find their article, even words too
// common to score high on their own.
func TestSearchShortQueries(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		mustImportSample(t, kbService(db))
		for text, want := range map[string]string{
			"invoice": "invoices-and-receipts", "sync": "sync-errors", "Refunds": "refund-policy", "2FA": "two-factor-authentication",
			"sync problems": "sync-errors", "cancel subscription": "refund-policy", "slack": "slack-integration",
		} {
			if got := search(t, db, text); len(got) == 0 || got[0].Slug != want {
				t.Errorf("%q found %v, want %s first", text, slugsOf(got), want)
			}
		}
		for _, text := range []string{"", "   ", "?!", "weather", "a"} {
			if got := search(t, db, text); len(got) != 0 {
				t.Errorf("%q found %v, want nothing", text, slugsOf(got))
			}
		}
	})
}

// TestSearchHostileInput feeds the query syntax of both engines to the search:
// it must neither fail nor read any of it as operators.
func TestSearchHostileInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		mustImportSample(t, kbService(db))
		hostile := []string{
			`"`, `*`, `OR`, `NEAR(`, `'`, `:`, `&|!`, `""`, `"refund`, `refund"`, `refund*`, `title:refund`,
			`NEAR(refund invoice, 2)`, `refund AND NOT invoice`, `refund OR`, `-refund`, `^refund`, `(refund`,
			`'refund' & 'invoice'`, `refund:*`, `!refund`, `refund <-> invoice`, `\`, `\'`, `{refund}`, `col : refund`,
			"\x00refund", "réfund naïve", strings.Repeat("x", 5000), strings.Repeat("refund ", 500),
		}
		for _, text := range hostile {
			search(t, db, text)
			got := search(t, db, text+" how do I get my money back refund")
			if len(got) == 0 || got[0].Slug != "refund-policy" {
				t.Errorf("%q plus a refund question: %v, want refund-policy first", text, slugsOf(got))
			}
		}
		if got := search(t, db, "the and of to is it"); len(got) != 0 {
			t.Errorf("stop words alone matched %v", slugsOf(got))
		}
	})
}

func TestListArticlesPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for i := range 7 {
			a := &support.Article{Slug: fmt.Sprintf("a-%d", i), Title: "T", Body: "B",
				CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(i%3) * time.Minute)} // ties broken by ID
			if err := db.CreateArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		all, err := db.ListArticles(ctx, support.ArticleFilter{Limit: 100})
		if err != nil || len(all) != 7 {
			t.Fatalf("ListArticles = %d, %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			prev, cur := all[i-1], all[i]
			if cur.UpdatedAt.After(prev.UpdatedAt) || (cur.UpdatedAt.Equal(prev.UpdatedAt) && cur.ID > prev.ID) {
				t.Errorf("not newest first at %d: %v then %v", i, prev, cur)
			}
		}
		var paged []string
		f := support.ArticleFilter{Limit: 3}
		for range 5 {
			page, err := db.ListArticles(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				paged = append(paged, a.ID)
			}
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.After = &support.ArticleKey{UpdatedAt: last.UpdatedAt, ID: last.ID}
		}
		var allIDs []string
		for _, a := range all {
			allIDs = append(allIDs, a.ID)
		}
		if !slices.Equal(paged, allIDs) {
			t.Errorf("pages visited %v, want %v", paged, allIDs)
		}
		if _, err := db.ListArticles(ctx, support.ArticleFilter{}); err == nil {
			t.Error("ListArticles with Limit 0 succeeded")
		}
	})
}

// checkIndex verifies, on SQLite, that the FTS5 index matches kb_passages row
// for row: the triggers must have followed every insert and delete, cascades
// included. (PostgreSQL's tsvector is a generated column: nothing to drift.)
func checkIndex(t *testing.T, db *store.DB) {
	t.Helper()
	if db.Engine() != "sqlite" {
		return
	}
	_, err := db.SQL().ExecContext(t.Context(), "INSERT INTO kb_passages_fts (kb_passages_fts, rank) VALUES ('integrity-check', 1)")
	if err != nil {
		t.Errorf("FTS index out of step with kb_passages: %v", err)
	}
}

// TestConcurrentImports is two instances seeding one empty database at once:
// both must succeed, and the articles exist once.
func TestConcurrentImports(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		sample, err := kb.Sample()
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, _, _, err := kbService(db).ImportArticles(t.Context(), sample)
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent import: %v", err)
			}
		}
		if n, err := db.CountArticles(t.Context()); err != nil || n != len(sample) {
			t.Errorf("CountArticles = %d, %v; want %d", n, err, len(sample))
		}
	})
}
