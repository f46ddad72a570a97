package support

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/supportd/supportd/internal/kb"
)

// ImportError names the article that made an import invalid.
type ImportError struct {
	Slug string
	Err  error
}

func (e *ImportError) Error() string { return fmt.Sprintf("article %q: %v", e.Slug, e.Err) }

func (e *ImportError) Unwrap() error { return e.Err }

// importPlan is what an import writes: everything else is unchanged.
type importPlan struct {
	created, updated []*Article
}

// ImportArticles creates or updates articles by slug, leaving untouched those
// whose title, body, tags and aliases already match, so importing the same articles
// twice changes nothing the second time. Every article is validated first; an
// invalid one, or a slug given twice, fails the import with an *ImportError.
// The writes happen in one transaction: all of the import or none of it. It is
// for operators (the CLI, start-up seeding), never the API, so it checks no actor.
func (s *KBService) ImportArticles(ctx context.Context, articles []kb.Article) (created, updated, unchanged int, err error) {
	valid, err := validateImport(articles)
	if err != nil {
		return 0, 0, 0, err
	}
	plan, err := s.importOnce(ctx, valid)
	if errors.Is(err, ErrDuplicateSlug) {
		// Another importer (a second instance seeding at start-up) created some
		// of these first: plan again against what it stored.
		plan, err = s.importOnce(ctx, valid)
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("import articles: %w", err)
	}
	created, updated = len(plan.created), len(plan.updated)
	unchanged = len(valid) - created - updated
	s.log.InfoContext(ctx, "kb import", "created", created, "updated", updated, "unchanged", unchanged)
	return created, updated, unchanged, nil
}

// validateImport turns parsed articles into valid ones, or names the first bad one.
func validateImport(articles []kb.Article) ([]Article, error) {
	out := make([]Article, 0, len(articles))
	seen := map[string]bool{}
	for _, in := range articles {
		a, err := articleFrom(ArticleInput{Slug: in.Slug, Title: in.Title, Body: in.Body, Tags: in.Tags, Aliases: in.Aliases})
		if err != nil {
			return nil, &ImportError{Slug: in.Slug, Err: err}
		}
		if seen[a.Slug] {
			return nil, &ImportError{Slug: in.Slug, Err: Invalid(FieldError{Field: "slug", Message: "appears twice in the import", Value: a.Slug})}
		}
		seen[a.Slug] = true
		out = append(out, *a)
	}
	return out, nil
}

// importOnce compares valid with what is stored and saves the differences.
func (s *KBService) importOnce(ctx context.Context, valid []Article) (importPlan, error) {
	plan, err := s.planImport(ctx, valid)
	if err != nil {
		return plan, err
	}
	err = s.store.SaveArticles(ctx, plan.created, plan.updated)
	s.vocab.invalidate()
	return plan, err
}

// planImport sorts valid into new articles and changed ones, stamped for saving.
func (s *KBService) planImport(ctx context.Context, valid []Article) (importPlan, error) {
	var plan importPlan
	now := s.timestamp()
	for _, a := range valid {
		cur, err := s.store.ArticleBySlug(ctx, a.Slug)
		switch {
		case errors.Is(err, ErrNotFound):
			a.ID, a.CreatedAt, a.UpdatedAt = s.newID(), now, now
			plan.created = append(plan.created, &a)
		case err != nil:
			return plan, fmt.Errorf("find article %q: %w", a.Slug, err)
		case !sameContent(cur, &a):
			a.ID, a.CreatedAt, a.UpdatedAt = cur.ID, cur.CreatedAt, now
			plan.updated = append(plan.updated, &a)
		}
	}
	return plan, nil
}

// sameContent reports whether an import would leave cur as it is.
func sameContent(cur, a *Article) bool {
	return cur.Title == a.Title && cur.Body == a.Body && slices.Equal(cur.Tags, a.Tags) && slices.Equal(cur.Aliases, a.Aliases)
}
