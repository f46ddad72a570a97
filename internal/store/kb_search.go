package store

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/support"
)

// Relevance thresholds. The scale is shared (1.0 is one mention, in the text,
// of a word found in only one passage; see kb_queries.sql), but each engine's
// BM25 differs in detail, so each has its own value, set between two
// measurements on the sample knowledge base (25 articles, ~150 passages):
//   - the best passage for each on-topic test question scores at least 1.66 on
//     SQLite and 1.99 on PostgreSQL;
//   - one word that only one passage mentions, once, in its text, scores a
//     median 0.94 and at most 1.49 on SQLite (length normalisation spreads it),
//     a median 1.00 and a 90th percentile 1.47 on PostgreSQL.
//
// A search of n terms must reach threshold × (1 − 1/n): with one term, any
// passage containing it answers (a search for "invoice" must find the invoice
// article, though the word is too common to score high); the more terms, the
// more of them must match, so that the one incidental word a long off-topic
// ticket shares with some passage is not enough. Because scores are divided
// by the idf of a unique word, this holds as the knowledge base grows or
// shrinks: nothing is tuned per deployment.
const (
	minRelevancePostgres = 1.5
	minRelevanceSQLite   = 1.35
)

// Query shaping.
const (
	maxTerms   = 32 // enough for a ticket's gist; bounds the query's cost
	maxTermLen = 40 // bytes; longer "words" are noise (hashes, base64) and PostgreSQL refuses 2 KB lexemes
)

// SearchPassages returns the passages relevant to q.Text, best first, at most
// q.PerArticle per article and q.Limit in all, or an empty slice. The text is
// reduced to search terms in Go (see searchTerms), which then match with OR
// semantics using the engine's own full-text index and ranking.
func (db *DB) SearchPassages(ctx context.Context, q support.PassageQuery) ([]support.Passage, error) {
	terms := searchTerms(q.Text)
	if len(terms) == 0 || q.Limit <= 0 || q.PerArticle <= 0 {
		return []support.Passage{}, nil
	}
	query, match, minRelevance := db.kq.searchSQLite, ftsMatch(terms), minRelevanceSQLite
	if db.dialect == postgresDialect {
		query, match, minRelevance = db.kq.searchPostgres, strings.Join(terms, " "), minRelevancePostgres
	}
	threshold := minRelevance * (1 - 1/float64(len(terms)))
	passages, err := queryAll(ctx, db.sql, query, func(row rowScanner) (support.Passage, error) {
		var p support.Passage
		err := row.Scan(&p.ArticleID, &p.Slug, &p.Title, &p.Heading, &p.Text, &p.Score)
		return p, err
	}, match, threshold, q.PerArticle, q.Limit)
	return passages, db.translate("search passages", err)
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

// searchTerms reduces free text to what is worth matching: lower-cased runs of
// letters and digits, without stop words, one-character words and words over
// maxTermLen, each once, the first maxTerms of them. Terms therefore never
// contain spaces, quotes or operators: the PostgreSQL query splits them at
// spaces and quotes nothing, and ftsMatch quotes them anyway.
func searchTerms(text string) []string {
	var terms []string
	seen := map[string]bool{}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		if utf8.RuneCountInString(w) < 2 || len(w) > maxTermLen || stopWords[w] || seen[w] {
			continue
		}
		seen[w] = true
		if terms = append(terms, w); len(terms) == maxTerms {
			break
		}
	}
	return terms
}

// stopWords are words too common to say what a question is about: the Snowball
// English list, which PostgreSQL's english configuration also drops (FTS5 keeps
// every word, so without this both engines would disagree), plus the pieces
// contractions leave ("didn't" → "didn") and a few words of politeness and
// modality that fill support requests.
var stopWords = wordSet(`
	i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
	she her hers herself it its itself they them their theirs themselves what which who whom
	this that these those am is are was were be been being have has had having do does did
	doing a an the and but if or because as until while of at by for with about against
	between into through during before after above below to from up down in out on off over
	under again further then once here there when where why how all any both each few more
	most other some such no nor not only own same so than too very can will just don should now
	ll ve re didn doesn isn aren wasn weren won wouldn couldn shouldn haven hasn hadn mustn
	im ive id could would may might must shall also get got please thanks thank hi hello`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}
