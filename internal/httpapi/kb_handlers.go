package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

// kbTag groups the knowledge-base operations in the OpenAPI document.
const kbTag = "knowledge base"

// listArticlesOperation documents the two uses of GET /kb/articles: listing and search.
func listArticlesOperation() huma.Operation {
	o := op("list-articles", http.MethodGet, "/kb/articles", "List or search help-center articles", kbTag, 0, authenticated, 400, 401, 422)
	o.Description = "Without `q`: every article, most recently updated first, a page at a time (follow the `Link` header). " +
		"With `q`: the best-matching articles for free text such as a question, in one page of at most `limit`, " +
		"each with its relevance `score` and best `passages`; an empty list when nothing is relevant enough."
	return o
}

// ArticleOut is an article as the API shows it; search results add score and passages.
type ArticleOut struct {
	ID        string       `json:"id" format:"uuid"`
	Slug      string       `json:"slug" example:"refund-policy"`
	Title     string       `json:"title" example:"Refunds and cancellations"`
	Body      string       `json:"body" doc:"Markdown"`
	Tags      []string     `json:"tags" example:"[\"billing\", \"refund\"]"`
	Aliases   []string     `json:"aliases" doc:"Customers' phrasings of the questions the article answers, in any language; search weighs them like the title" example:"[\"money back\", \"¿Cómo pido un reembolso?\"]"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	Score     float64      `json:"score,omitempty" doc:"Search only: relevance of the best passage, higher is better"`
	Passages  []PassageOut `json:"passages,omitempty" doc:"Search only: the best-matching passages, best first"`
}

// PassageOut is the part of an article a search matched.
type PassageOut struct {
	Heading string  `json:"heading" doc:"The section heading; empty for text before the first heading"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
}

func toArticleOut(r support.ArticleResult) ArticleOut {
	out := ArticleOut{ID: r.ID, Slug: r.Slug, Title: r.Title, Body: r.Body, Tags: r.Tags, Aliases: r.Aliases,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Score: r.Score}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	for _, p := range r.Passages {
		out.Passages = append(out.Passages, PassageOut{Heading: p.Heading, Text: p.Text, Score: p.Score})
	}
	return out
}

type listArticlesInput struct {
	Q string `query:"q" doc:"Search text; empty lists every article (with a cursor, not allowed)" example:"How do I get a refund?"`
	PageQuery
}

type listArticlesOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more articles remain"`
	Body []ArticleOut
}

func (s *Server) listArticles(ctx context.Context, in *listArticlesInput) (*listArticlesOutput, error) {
	page, err := s.deps.KB.ListArticles(ctx, actorFrom(ctx), in.Q, in.Cursor, in.Limit)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listArticlesOutput{Body: make([]ArticleOut, len(page.Articles))}
	for i, r := range page.Articles {
		out.Body[i] = toArticleOut(r)
	}
	out.Link = s.nextLink(&in.PageQuery, "/kb/articles", page.NextCursor)
	return out, nil
}

// articleBody is what create and update take.
type articleBody struct {
	Slug    string   `json:"slug,omitempty" doc:"Lower-case letters, digits and hyphens, at most 80. On create, derived from the title when omitted; on update, omit it or repeat the current one: slugs never change." example:"refund-policy"`
	Title   string   `json:"title" doc:"1 to 200 characters after trimming white space" example:"Refunds and cancellations"`
	Body    string   `json:"body" doc:"Markdown, 1 to 50,000 characters; \"## \" headings divide it into the passages that search and the assistant quote" example:"## Refund policy\nMonthly plans are refunded in full within 14 days."`
	Tags    []string `json:"tags,omitempty" doc:"Up to 20 tags of 1 to 40 characters; repeats are dropped" example:"[\"billing\", \"refund\"]"`
	Aliases []string `json:"aliases,omitempty" doc:"Up to 100 one-line phrasings of 1 to 200 characters, in any language, that customers use for what the article answers; repeats (ignoring case) are dropped. On update, omitting it keeps the current aliases and [] removes them." example:"[\"money back\", \"¿Cómo pido un reembolso?\"]"`
}

func (b articleBody) input() support.ArticleInput {
	return support.ArticleInput{Slug: b.Slug, Title: b.Title, Body: b.Body, Tags: b.Tags, Aliases: b.Aliases}
}

type createArticleInput struct {
	Body articleBody
}

type articleOutput struct{ Body ArticleOut }

func (s *Server) createArticle(ctx context.Context, in *createArticleInput) (*articleOutput, error) {
	a, err := s.deps.KB.CreateArticle(ctx, actorFrom(ctx), in.Body.input())
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &articleOutput{Body: toArticleOut(support.ArticleResult{Article: *a})}, nil
}

type articleIDInput struct {
	ID string `path:"id" doc:"Article id"`
}

func (s *Server) getArticle(ctx context.Context, in *articleIDInput) (*articleOutput, error) {
	a, err := s.deps.KB.Article(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &articleOutput{Body: toArticleOut(support.ArticleResult{Article: *a})}, nil
}

type updateArticleInput struct {
	ID   string `path:"id" doc:"Article id"`
	Body articleBody
}

func (s *Server) updateArticle(ctx context.Context, in *updateArticleInput) (*articleOutput, error) {
	a, err := s.deps.KB.UpdateArticle(ctx, actorFrom(ctx), in.ID, in.Body.input())
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &articleOutput{Body: toArticleOut(support.ArticleResult{Article: *a})}, nil
}

func (s *Server) deleteArticle(ctx context.Context, in *articleIDInput) (*struct{}, error) {
	if err := s.deps.KB.DeleteArticle(ctx, actorFrom(ctx), in.ID); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}
