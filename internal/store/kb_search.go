package store

import (
	"context"
	"strings"

	"github.com/supportd/supportd/internal/support"
)

// maxTerms bounds a search's cost: enough for a ticket's gist.
const maxTerms = 64

// SearchPassages returns the passages that match any of q.Terms (analysed
// search terms, see support.KBService.Ground), best first by the engine's
// BM25 ranking, at most q.PerArticle per article and q.Limit in all, each with
// its indexed terms; an empty slice when nothing matches.
func (db *DB) SearchPassages(ctx context.Context, q support.PassageQuery) ([]support.Passage, error) {
	terms := cleanTerms(q.Terms)
	if len(terms) == 0 || q.Limit <= 0 || q.PerArticle <= 0 {
		return []support.Passage{}, nil
	}
	query, match := db.kq.searchSQLite, ftsMatch(terms)
	if db.dialect == postgresDialect {
		query, match = db.kq.searchPostgres, strings.Join(terms, " ")
	}
	passages, err := queryAll(ctx, db.sql, query, func(row rowScanner) (support.Passage, error) {
		var p support.Passage
		var topic, terms string
		err := row.Scan(&p.ArticleID, &p.Slug, &p.Title, &p.Heading, &p.Text, &p.Score, &topic, &terms)
		p.TopicTerms, p.Terms = strings.Fields(topic), strings.Fields(terms)
		return p, err
	}, match, q.PerArticle, q.Limit)
	return passages, db.translate("search passages", err)
}

// cleanTerms keeps the distinct terms that are single words, the first
// maxTerms of them: the PostgreSQL query splits its parameter at spaces.
func cleanTerms(terms []string) []string {
	out := make([]string, 0, min(len(terms), maxTerms))
	seen := map[string]bool{}
	for _, t := range terms {
		if t == "" || strings.ContainsAny(t, " \t\r\n") || seen[t] {
			continue
		}
		seen[t] = true
		if out = append(out, t); len(out) == maxTerms {
			break
		}
	}
	return out
}

// ftsMatch builds an FTS5 expression matching any of terms. Each term is a
// quoted string, with quotes doubled, so nothing in it can be read as FTS5
// syntax (column filters, NEAR, prefix *, AND/NOT) whatever it contains.
func ftsMatch(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " OR ")
}
