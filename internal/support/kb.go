package support

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/textsearch"
)

// Article is a help-center article. Slug is its stable, URL-safe name: unique,
// chosen at creation and never changed afterwards, and the key ImportArticles
// matches files on.
type Article struct {
	ID    string
	Slug  string
	Title string
	Body  string // Markdown; "## " headings split it into passages
	Tags  []string
	// Aliases are customers' phrasings of the questions the article answers,
	// in any language; retrieval weighs them like the title.
	Aliases   []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Passage is a ranked excerpt of a knowledge-base article: the text under one
// "## " heading (Heading is "" before the first), at most about 700 characters.
//
// Score is the passage's relevance to the query: 1.0 is about what one mention,
// in the text, of a word found in no other passage earns; title, tag and heading
// matches, rarer words and more matched words earn more. Scores rank passages
// of one result; they are not comparable across engines.
type Passage struct {
	ArticleID, Slug, Title, Heading, Text string
	Score                                 float64
	// TopicTerms are the indexed terms of the passage's article's title, tags
	// and aliases, Terms those of its heading and text: search results carry
	// them so that Ground can tell which of the question's terms it matched.
	TopicTerms, Terms []string
}

// Vocabulary is the knowledge base's indexed terms with the number of
// passages holding each, as of Revision.
type Vocabulary struct {
	DocFreq  map[string]int
	Passages int
	Revision int64
}

// ArticleInput is what a caller sets on an article.
type ArticleInput struct {
	// Slug is optional on create (derived from Title when empty). On update it
	// must be empty or the article's current slug: slugs never change.
	Slug  string
	Title string
	Body  string
	Tags  []string
	// Aliases are optional; nil on update keeps the current ones.
	Aliases []string
}

// ArticleKey is an article's position in most-recently-updated-first order.
type ArticleKey struct {
	UpdatedAt time.Time
	ID        string
}

// ArticleFilter selects a page of articles, most recently updated first.
type ArticleFilter struct {
	After *ArticleKey // start strictly after this key
	Limit int
}

// PassageQuery asks for the passages that best match analysed search terms.
type PassageQuery struct {
	Terms      []string
	Limit      int // at most this many passages
	PerArticle int // at most this many from any one article
}

// ArticleResult is one article of a listing. In search results Score is the
// article's best passage score and Passages its best passages, best first.
type ArticleResult struct {
	Article
	Score    float64
	Passages []Passage
}

// ArticlePage is one page of a listing, or all the results of a search.
// NextCursor is empty on the last page and for searches.
type ArticlePage struct {
	Articles   []ArticleResult
	NextCursor string
}

// KBStore persists the knowledge base. Implementations rebuild an article's
// passages in the same transaction as every create and update, return
// ErrNotFound for a missing article and ErrDuplicateSlug for a taken slug.
type KBStore interface {
	CreateArticle(ctx context.Context, a *Article) error
	// UpdateArticle replaces the title, body, tags and UpdatedAt of article a.ID.
	UpdateArticle(ctx context.Context, a *Article) error
	// SaveArticles creates and updates articles in one transaction: all or none.
	SaveArticles(ctx context.Context, created, updated []*Article) error
	DeleteArticle(ctx context.Context, id string) error
	ArticleByID(ctx context.Context, id string) (*Article, error)
	ArticleBySlug(ctx context.Context, slug string) (*Article, error)
	// ArticlesByID returns the articles that exist among ids, in any order.
	ArticlesByID(ctx context.Context, ids []string) ([]Article, error)
	// ListArticles returns up to f.Limit articles ordered by (UpdatedAt, ID) descending.
	ListArticles(ctx context.Context, f ArticleFilter) ([]Article, error)
	// SearchPassages returns the passages matching any of q.Terms, best
	// first, each with its indexed terms; an empty slice when none matches.
	SearchPassages(ctx context.Context, q PassageQuery) ([]Passage, error)
	CountArticles(ctx context.Context) (int, error)
	// KBVocabulary returns the indexed terms and their passage counts;
	// KBRevision a number that changes with every article write.
	KBVocabulary(ctx context.Context) (Vocabulary, error)
	KBRevision(ctx context.Context) (int64, error)
}

// Retrieval limits.
const (
	// PassagesPerArticle caps how many passages one article contributes to a
	// result, so that a long article cannot crowd out every other.
	PassagesPerArticle = 2
	// MaxRetrieve caps Retrieve's limit.
	MaxRetrieve = 50
)

// ErrDuplicateSlug is returned by stores when an article's slug is taken.
var ErrDuplicateSlug = Errorf(CodeConflict, "an article with this slug already exists")

var errArticleNotFound = Errorf(CodeNotFound, "Article not found")

// KBService holds the knowledge-base rules: validation, import, and retrieval
// for the assistant. Who may read and edit is decided in policy.go.
type KBService struct {
	store    KBStore
	log      *slog.Logger
	now      func() time.Time
	newID    func() string
	audit    *Auditor             // nil: changes are not audited
	analyzer *textsearch.Analyzer // analyses questions as the store analysed passages
	vocab    *vocabCache
	scope    scopeGuard
}

// NewKBService wires a KBService. analyzer must analyse text as the store's
// index does (store.WithAnalyzer); nil means the built-in one.
func NewKBService(store KBStore, log *slog.Logger, now func() time.Time, newID func() string, audit *Auditor,
	analyzer *textsearch.Analyzer) *KBService {
	if analyzer == nil {
		analyzer = textsearch.NewAnalyzer(textsearch.DefaultSynonyms())
	}
	scope, err := newScopeGuard()
	if err != nil { // the phrase list is embedded: its test rules this out
		panic(err)
	}
	return &KBService{store: store, log: log, now: now, newID: newID, audit: audit, analyzer: analyzer,
		vocab: &vocabCache{store: store, now: now}, scope: scope}
}

// auditArticle records a change to an article.
func (s *KBService) auditArticle(ctx context.Context, actor Actor, action, id, slug string) {
	s.audit.record(ctx, AuditEntry{Action: action, ActorID: actor.UserID, TargetType: "article", TargetID: id,
		Detail: map[string]string{"slug": slug}})
}

// CreateArticle adds an article; staff only.
func (s *KBService) CreateArticle(ctx context.Context, actor Actor, in ArticleInput) (*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	a, err := articleFrom(in)
	if err != nil {
		return nil, err
	}
	if err := s.insert(ctx, a); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "kb article created", "article_id", a.ID, "slug", a.Slug, "user_id", actor.UserID)
	s.auditArticle(ctx, actor, AuditArticleCreated, a.ID, a.Slug)
	return a, nil
}

// UpdateArticle replaces an article's title, body and tags, and its aliases
// when in.Aliases is not nil; staff only.
func (s *KBService) UpdateArticle(ctx context.Context, actor Actor, id string, in ArticleInput) (*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	cur, err := s.article(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Slug != "" && in.Slug != cur.Slug {
		return nil, Invalid(FieldError{Field: "slug", Message: "cannot be changed; create a new article instead", Value: in.Slug})
	}
	in.Slug = cur.Slug
	if in.Aliases == nil { // clients that predate aliases replace the rest and keep them
		in.Aliases = cur.Aliases
	}
	a, err := articleFrom(in)
	if err != nil {
		return nil, err
	}
	if err := s.replace(ctx, cur, a); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "kb article updated", "article_id", a.ID, "slug", a.Slug, "user_id", actor.UserID)
	s.auditArticle(ctx, actor, AuditArticleUpdated, a.ID, a.Slug)
	return a, nil
}

// DeleteArticle removes an article and its passages; staff only.
func (s *KBService) DeleteArticle(ctx context.Context, actor Actor, id string) error {
	if err := canEditKB(actor); err != nil {
		return err
	}
	if _, err := uuid.Parse(id); err != nil {
		return errArticleNotFound
	}
	err := s.store.DeleteArticle(ctx, id)
	s.vocab.invalidate()
	if err != nil {
		return notFoundAs(err, errArticleNotFound, "delete article")
	}
	s.log.InfoContext(ctx, "kb article deleted", "article_id", id, "user_id", actor.UserID)
	s.auditArticle(ctx, actor, AuditArticleDeleted, id, "")
	return nil
}

// Article returns one article to any signed-in user.
func (s *KBService) Article(ctx context.Context, actor Actor, id string) (*Article, error) {
	if err := canReadKB(actor); err != nil {
		return nil, err
	}
	return s.article(ctx, id)
}

// article loads an article; an id that is not a UUID cannot exist.
func (s *KBService) article(ctx context.Context, id string) (*Article, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errArticleNotFound
	}
	a, err := s.store.ArticleByID(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, errArticleNotFound, "load article")
	}
	return a, nil
}

// insert stamps a new article and stores it.
func (s *KBService) insert(ctx context.Context, a *Article) error {
	now := s.timestamp()
	a.ID, a.CreatedAt, a.UpdatedAt = s.newID(), now, now
	err := s.store.CreateArticle(ctx, a)
	s.vocab.invalidate()
	if errors.Is(err, ErrDuplicateSlug) {
		return &Error{Code: CodeConflict, Message: fmt.Sprintf("an article with slug %q already exists", a.Slug), Err: err}
	}
	if err != nil {
		return fmt.Errorf("create article: %w", err)
	}
	return nil
}

// replace stores a as the new content of cur.
func (s *KBService) replace(ctx context.Context, cur, a *Article) error {
	a.ID, a.CreatedAt, a.UpdatedAt = cur.ID, cur.CreatedAt, s.timestamp()
	err := s.store.UpdateArticle(ctx, a)
	s.vocab.invalidate()
	if err != nil {
		return notFoundAs(err, errArticleNotFound, "update article")
	}
	return nil
}

// notFoundAs turns the store's ErrNotFound into notFound and wraps anything else with op.
func notFoundAs(err error, notFound *Error, op string) error {
	if errors.Is(err, ErrNotFound) {
		return notFound
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *KBService) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
