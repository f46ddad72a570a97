package support

import (
	"context"
	"fmt"
	"strings"
)

// ListArticles returns articles to any signed-in user. With q empty it pages
// through every article, most recently updated first. Otherwise it searches:
// the limit best-matching articles, each with its score and best passages, in
// one page (a cursor is refused).
func (s *KBService) ListArticles(ctx context.Context, actor Actor, q, cursor string, limit int) (*ArticlePage, error) {
	if err := canReadKB(actor); err != nil {
		return nil, err
	}
	limit, err := pageSize(limit)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return s.listPage(ctx, cursor, limit)
	}
	if cursor != "" {
		return nil, Errorf(CodeBadRequest, "search results are a single page; cursor cannot be combined with q")
	}
	return s.search(ctx, q, limit)
}

// pageSize applies the listing defaults and bounds shared with tickets.
func pageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultPageSize, nil
	case limit < 0:
		return 0, Invalid(FieldError{Field: "limit", Message: "must be at least 1", Value: limit})
	case limit > MaxPageSize:
		return MaxPageSize, nil
	}
	return limit, nil
}

// listPage returns one keyset page, using the same cursor format as tickets.
func (s *KBService) listPage(ctx context.Context, cursor string, limit int) (*ArticlePage, error) {
	key, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	f := ArticleFilter{Limit: limit + 1} // one extra row tells whether another page exists
	if key != nil {
		f.After = &ArticleKey{UpdatedAt: key.CreatedAt, ID: key.ID}
	}
	articles, err := s.store.ListArticles(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	page := &ArticlePage{Articles: make([]ArticleResult, 0, min(len(articles), limit))}
	for _, a := range articles[:min(len(articles), limit)] {
		page.Articles = append(page.Articles, ArticleResult{Article: a})
	}
	if len(articles) > limit {
		last := articles[limit-1]
		page.NextCursor = encodeCursor(PageKey{CreatedAt: last.UpdatedAt, ID: last.ID})
	}
	return page, nil
}

// search ranks articles by their best passage: every article that matches, as
// a person reading the list judges relevance better than the assistant's
// decision (Ground), which a short search would often fail. Fetching 2 passages per article
// for twice the limit is enough: the k-th best article's best passage is
// preceded by at most 2 passages of each of the k-1 articles before it.
func (s *KBService) search(ctx context.Context, q string, limit int) (*ArticlePage, error) {
	passages, err := s.rank(ctx, q, PassagesPerArticle*limit)
	if err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	ids, byArticle := groupPassages(passages, limit)
	articles, err := s.store.ArticlesByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	found := make(map[string]Article, len(articles))
	for _, a := range articles {
		found[a.ID] = a
	}
	page := &ArticlePage{Articles: []ArticleResult{}}
	for _, id := range ids {
		if a, ok := found[id]; ok { // one deleted since the search is skipped
			ps := byArticle[id]
			page.Articles = append(page.Articles, ArticleResult{Article: a, Score: ps[0].Score, Passages: ps})
		}
	}
	return page, nil
}

// groupPassages groups best-first passages by article, keeping the first limit
// articles in order of their best passage.
func groupPassages(passages []Passage, limit int) ([]string, map[string][]Passage) {
	var ids []string
	byArticle := map[string][]Passage{}
	for _, p := range passages {
		if _, seen := byArticle[p.ArticleID]; !seen {
			if len(ids) == limit {
				continue
			}
			ids = append(ids, p.ArticleID)
		}
		byArticle[p.ArticleID] = append(byArticle[p.ArticleID], p)
	}
	return ids, byArticle
}

// Retrieve returns the passages most relevant to text, best first: at most
// limit (capped at MaxRetrieve), at most PassagesPerArticle from any one
// article, and an empty slice when Ground declines. It checks no actor.
func (s *KBService) Retrieve(ctx context.Context, text string, limit int) ([]Passage, error) {
	if limit <= 0 {
		return []Passage{}, nil
	}
	g, err := s.Ground(ctx, text, "", limit)
	if err != nil {
		return nil, fmt.Errorf("retrieve passages: %w", err)
	}
	return g.Passages, nil
}
