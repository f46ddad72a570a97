package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/support"
)

var _ support.KBStore = (*DB)(nil)

// passageChars is the passage size kb.Split packs to: about a paragraph or
// two, small enough that the assistant's prompt holds several passages and
// that a match says where in a long article the answer is.
const passageChars = 700

// The unique slug: PostgreSQL names the constraint, SQLite the column.
const (
	slugConstraint = "kb_articles_slug_unique"
	slugColumn     = "kb_articles.slug"
)

// kbQueries are the statements of kb_queries.sql.
type kbQueries struct {
	createArticle, updateArticle, deleteArticle, articleByID, articleBySlug string
	countArticles, listArticles, listArticlesAfter                          string
	articlesByIDPostgres, articlesByIDSQLite                                string
	deletePassages, insertPassage                                           string
	searchPostgres, searchSQLite                                            string
	bumpRevision, indexState, setAnalyzer                                   string
	allArticleIDs, vocabularyPostgres, vocabularySQLite, countPassages      string
}

// targets maps each name used in kb_queries.sql to the field it fills.
func (q *kbQueries) targets() map[string]*string {
	return map[string]*string{
		"create-article":           &q.createArticle,
		"update-article":           &q.updateArticle,
		"delete-article":           &q.deleteArticle,
		"article-by-id":            &q.articleByID,
		"article-by-slug":          &q.articleBySlug,
		"count-articles":           &q.countArticles,
		"list-articles":            &q.listArticles,
		"list-articles-after":      &q.listArticlesAfter,
		"articles-by-id-postgres":  &q.articlesByIDPostgres,
		"articles-by-id-sqlite":    &q.articlesByIDSQLite,
		"delete-passages":          &q.deletePassages,
		"insert-passage":           &q.insertPassage,
		"search-passages-postgres": &q.searchPostgres,
		"search-passages-sqlite":   &q.searchSQLite,
		"bump-kb-revision":         &q.bumpRevision,
		"kb-index-state":           &q.indexState,
		"set-kb-analyzer":          &q.setAnalyzer,
		"all-article-ids":          &q.allArticleIDs,
		"kb-vocabulary-postgres":   &q.vocabularyPostgres,
		"kb-vocabulary-sqlite":     &q.vocabularySQLite,
		"count-passages":           &q.countPassages,
	}
}

// CreateArticle stores a and its passages in one transaction. It fills in an
// empty ID, zero CreatedAt/UpdatedAt and nil Tags and normalises the times. A
// taken slug gives support.ErrDuplicateSlug.
func (db *DB) CreateArticle(ctx context.Context, a *support.Article) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.createArticle(ctx, tx, a) })
	return db.translateKB("create article", err)
}

// UpdateArticle replaces the title, body, tags and UpdatedAt (now when zero) of
// article a.ID and rebuilds its passages, in one transaction. The slug and
// CreatedAt are not changed. A missing article gives support.ErrNotFound.
func (db *DB) UpdateArticle(ctx context.Context, a *support.Article) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.updateArticle(ctx, tx, a) })
	return db.translateKB("update article", err)
}

// SaveArticles creates the articles in created and updates those in updated, as
// CreateArticle and UpdateArticle do, all in one transaction: every article is
// saved or none is. One transaction is also much cheaper for SQLite's FTS5,
// which writes an index segment per transaction.
func (db *DB) SaveArticles(ctx context.Context, created, updated []*support.Article) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, a := range created {
			if err := db.createArticle(ctx, tx, a); err != nil {
				return err
			}
		}
		for _, a := range updated {
			if err := db.updateArticle(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	return db.translateKB("save articles", err)
}

func (db *DB) createArticle(ctx context.Context, tx *sql.Tx, a *support.Article) error {
	if err := db.stamp(&a.ID, &a.CreatedAt); err != nil {
		return err
	}
	a.UpdatedAt = orTime(a.UpdatedAt, a.CreatedAt)
	tags, aliases, err := encodeLists(a)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.kq.createArticle, a.ID, a.Slug, a.Title, a.Body, tags, aliases,
		timestamp(a.CreatedAt), timestamp(a.UpdatedAt))
	if err != nil {
		return err
	}
	return db.insertPassages(ctx, tx, a)
}

func (db *DB) updateArticle(ctx context.Context, tx *sql.Tx, a *support.Article) error {
	a.UpdatedAt = orTime(a.UpdatedAt, db.now())
	tags, aliases, err := encodeLists(a)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, db.kq.updateArticle, a.ID, a.Title, a.Body, tags, aliases, timestamp(a.UpdatedAt))
	if err := mustAffect(res, err, "article", a.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.kq.deletePassages, a.ID); err != nil {
		return err
	}
	return db.insertPassages(ctx, tx, a)
}

// insertPassages splits a and stores its passages with their analysed terms
// (kb.Index), and bumps the knowledge base's revision.
func (db *DB) insertPassages(ctx context.Context, tx *sql.Tx, a *support.Article) error {
	tags := strings.Join(a.Tags, ", ")
	article := kb.Article{Slug: a.Slug, Title: a.Title, Body: a.Body, Tags: a.Tags, Aliases: a.Aliases}
	for i, p := range kb.Index(article, db.analyzer, passageChars) {
		_, err := tx.ExecContext(ctx, db.kq.insertPassage, a.ID, i, a.Title, tags, p.Heading, p.Text,
			p.TitleTerms, p.AliasTerms, p.HeadingTerms, p.TextTerms)
		if err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, db.kq.bumpRevision)
	return err
}

// DeleteArticle removes an article and its passages, or gives support.ErrNotFound.
func (db *DB) DeleteArticle(ctx context.Context, id string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.kq.deleteArticle, id)
		if err := mustAffect(res, err, "article", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.kq.bumpRevision)
		return err
	})
	return db.translate("delete article", err)
}

// ArticleByID returns the article with id, or support.ErrNotFound.
func (db *DB) ArticleByID(ctx context.Context, id string) (*support.Article, error) {
	a, err := scanArticle(db.sql.QueryRowContext(ctx, db.kq.articleByID, id))
	return a, db.translate("article by id", err)
}

// ArticleBySlug returns the article with slug, or support.ErrNotFound.
func (db *DB) ArticleBySlug(ctx context.Context, slug string) (*support.Article, error) {
	a, err := scanArticle(db.sql.QueryRowContext(ctx, db.kq.articleBySlug, slug))
	return a, db.translate("article by slug", err)
}

// CountArticles returns how many articles there are.
func (db *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.kq.countArticles).Scan(&n)
	return n, db.translate("count articles", err)
}

// ListArticles returns up to f.Limit articles, most recently updated first
// (UpdatedAt, then ID, descending), starting strictly after f.After when it is
// set. The result is never nil.
func (db *DB) ListArticles(ctx context.Context, f support.ArticleFilter) ([]support.Article, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("store: list articles: limit %d is not positive", f.Limit)
	}
	query, args := db.kq.listArticles, []any{f.Limit}
	if f.After != nil {
		query, args = db.kq.listArticlesAfter, []any{timestamp(f.After.UpdatedAt), f.After.ID, f.Limit}
	}
	articles, err := db.queryArticles(ctx, query, args...)
	return articles, db.translate("list articles", err)
}

// ArticlesByID returns the articles among ids that exist, in no particular order.
func (db *DB) ArticlesByID(ctx context.Context, ids []string) ([]support.Article, error) {
	if len(ids) == 0 {
		return []support.Article{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: articles by id: %w", err)
	}
	query := db.kq.articlesByIDSQLite
	if db.dialect == postgresDialect {
		query = db.kq.articlesByIDPostgres
	}
	articles, err := db.queryArticles(ctx, query, string(list))
	return articles, db.translate("articles by id", err)
}

func (db *DB) queryArticles(ctx context.Context, query string, args ...any) ([]support.Article, error) {
	return queryAll(ctx, db.sql, query, func(row rowScanner) (support.Article, error) {
		a, err := scanArticle(row)
		if err != nil {
			return support.Article{}, err
		}
		return *a, nil
	}, args...)
}

func scanArticle(row rowScanner) (*support.Article, error) {
	var a support.Article
	var tags, aliases string
	err := row.Scan(&a.ID, &a.Slug, &a.Title, &a.Body, &tags, &aliases, (*timestamp)(&a.CreatedAt), (*timestamp)(&a.UpdatedAt))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("decode tags of article %s: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(aliases), &a.Aliases); err != nil {
		return nil, fmt.Errorf("decode aliases of article %s: %w", a.ID, err)
	}
	return &a, nil
}

// encodeLists makes a.Tags and a.Aliases non-nil (so they read back equal)
// and returns their JSON.
func encodeLists(a *support.Article) (tags, aliases string, err error) {
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Aliases == nil {
		a.Aliases = []string{}
	}
	t, err := json.Marshal(a.Tags)
	if err != nil {
		return "", "", fmt.Errorf("store: encode tags: %w", err)
	}
	al, err := json.Marshal(a.Aliases)
	if err != nil {
		return "", "", fmt.Errorf("store: encode aliases: %w", err)
	}
	return string(t), string(al), nil
}

// translateKB is translate plus the knowledge base's own unique key, the slug.
func (db *DB) translateKB(op string, err error) error {
	if isUniqueViolation(err) && violates(err, slugConstraint, slugColumn) {
		return fmt.Errorf("store: %s: %w", op, support.ErrDuplicateSlug)
	}
	return db.translate(op, err)
}
