-- Knowledge base: articles and their passages. Same conventions as queries.sql.
-- Full-text search is the one place the engines differ, so it comes in a
-- -postgres and a -sqlite variant; kb_search.go picks one by dialect.

-- name: create-article
INSERT INTO kb_articles (id, slug, title, body, tags, aliases, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- The slug is immutable, so it is not set here.
-- name: update-article
UPDATE kb_articles
SET title = $2, body = $3, tags = $4, aliases = $5, updated_at = $6
WHERE id = $1;

-- Passages go with it (ON DELETE CASCADE; on SQLite the trigger then updates the FTS index).
-- name: delete-article
DELETE FROM kb_articles
WHERE id = $1;

-- name: article-by-id
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
WHERE id = $1;

-- name: article-by-slug
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
WHERE slug = $1;

-- name: count-articles
SELECT count(*)
FROM kb_articles;

-- Keyset pages, most recently updated first; like the ticket lists, two
-- statements rather than one with a switch, so each has a plain indexable predicate.

-- name: list-articles
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
ORDER BY updated_at DESC, id DESC
LIMIT $1;

-- name: list-articles-after
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
WHERE (updated_at, id) < ($1, $2)
ORDER BY updated_at DESC, id DESC
LIMIT $3;

-- $1 is a JSON array of ids.
-- name: articles-by-id-postgres
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb));

-- name: articles-by-id-sqlite
SELECT id, slug, title, body, tags, aliases, created_at, updated_at
FROM kb_articles
WHERE id IN (SELECT value FROM json_each($1));

-- name: delete-passages
DELETE FROM kb_passages
WHERE article_id = $1;

-- The *_terms columns hold the analysed text (internal/kb.Index). On PostgreSQL
-- the tsvector column is generated from them; on SQLite a trigger copies them
-- into the FTS5 index.
-- name: insert-passage
INSERT INTO kb_passages (article_id, ord, title, tags, heading, text, title_terms, alias_terms, heading_terms, text_terms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- Every article write bumps the revision, in its transaction, so that every
-- instance notices and reloads what it derives from the knowledge base.
-- name: bump-kb-revision
UPDATE kb_index_state
SET revision = revision + 1
WHERE id = 1;

-- name: kb-index-state
SELECT analyzer, revision
FROM kb_index_state
WHERE id = 1;

-- name: set-kb-analyzer
UPDATE kb_index_state
SET analyzer = $1, revision = revision + 1
WHERE id = 1;

-- name: all-article-ids
SELECT id
FROM kb_articles
ORDER BY id;

-- The indexed terms and in how many passages each occurs: what the assistant
-- needs to tell a distinctive word from a common one and a typo from a word it
-- has never seen. ts_stat reads every tsvector once.
-- name: kb-vocabulary-postgres
SELECT word, ndoc
FROM ts_stat('SELECT tsv FROM kb_passages');

-- name: kb-vocabulary-sqlite
SELECT term, doc
FROM kb_passages_vocab;

-- name: count-passages
SELECT count(*)
FROM kb_passages;

-- Passage search. Both variants take the same parameters and return the same
-- columns: $1 the search terms, already analysed (the form differs, see
-- kb_search.go), $2 the most passages per article, $3 the most passages.
-- Besides the passage they return its indexed terms, from which the caller
-- tells which query terms it matched.
--
-- Ranking is BM25-style on both engines: each matched term counts by its
-- rarity (idf over passages), with repeated occurrences saturating, and title,
-- tags and aliases weigh more than headings, which weigh more than text. The
-- score is divided by that of a single occurrence, in the text, of a term
-- found in only one passage, so 1.0 means "one mention of one distinctive
-- word" whatever the size of the knowledge base. Whether a result answers the
-- question is decided in Go (support.KBService.Ground), the same way on both.

-- PostgreSQL: $1 is the terms separated by single spaces. Each term becomes its
-- own plainto_tsquery('simple') (which never fails to parse) so that it can be
-- weighted by its own idf; together they match with OR semantics. ts_rank_cd
-- of a one-term query is the weighted count of its occurrences (title, tags
-- and aliases A 0.9, heading B 0.6, text C 0.3), saturated as in BM25 with
-- k1 = 1.2. One occurrence in the text scores 0.3 * 2.2 / (0.3 + 1.2) = 0.44
-- times the idf, hence the divisor. The GIN index serves both @@ tests.
-- name: search-passages-postgres
WITH total AS (
    SELECT count(*)::float8 AS n FROM kb_passages
), term AS (
    SELECT DISTINCT plainto_tsquery('simple', t) AS q
    FROM unnest(string_to_array($1, ' ')) AS t
), weighted AS (
    SELECT term.q, ln(1 + (total.n - df.n + 0.5) / (df.n + 0.5)) AS idf
    FROM term
    CROSS JOIN total
    CROSS JOIN LATERAL (SELECT count(*)::float8 AS n FROM kb_passages WHERE tsv @@ term.q) AS df
    WHERE df.n > 0
), scored AS (
    SELECT p.id, sum(w.idf * tf.r * 2.2 / (tf.r + 1.2)) AS score
    FROM weighted AS w
    JOIN kb_passages AS p ON p.tsv @@ w.q
    CROSS JOIN LATERAL (SELECT ts_rank_cd('{0.1, 0.3, 0.6, 0.9}', p.tsv, w.q) AS r) AS tf
    GROUP BY p.id
), ranked AS (
    SELECT p.id, p.article_id, p.ord, p.heading, p.text,
           s.score / (0.44 * ln(1 + (total.n - 0.5) / 1.5)) AS relevance,
           row_number() OVER (PARTITION BY p.article_id ORDER BY s.score DESC, p.ord) AS nth
    FROM scored AS s
    JOIN kb_passages AS p ON p.id = s.id
    CROSS JOIN total
)
SELECT r.article_id, a.slug, a.title, r.heading, r.text, r.relevance,
       p.title_terms || ' ' || p.alias_terms, p.heading_terms || ' ' || p.text_terms
FROM ranked AS r
JOIN kb_articles AS a ON a.id = r.article_id
JOIN kb_passages AS p ON p.id = r.id
WHERE r.nth <= $2
ORDER BY r.relevance DESC, a.slug, r.ord
LIMIT $3;

-- SQLite: $1 is an FTS5 expression of quoted terms joined by OR. bm25 weighs
-- the columns title 3, aliases 3, heading 2, text 1 (and returns
-- lower-is-better, hence the minus). FTS5's idf is ln((N - n + 0.5) / (n + 0.5)),
-- so a single average-length mention of a term found in one passage scores
-- about ln((N - 0.5) / 1.5); the max() calls keep that divisor positive for a
-- knowledge base of one or two passages.
-- name: search-passages-sqlite
WITH total AS (
    SELECT count(*) AS n FROM kb_passages
), hits AS (
    SELECT rowid AS id, -bm25(kb_passages_fts, 3.0, 3.0, 2.0, 1.0) AS score
    FROM kb_passages_fts
    WHERE kb_passages_fts MATCH $1
), ranked AS (
    SELECT p.article_id, p.ord, p.heading, p.text,
           p.title_terms || ' ' || p.alias_terms AS topic_terms, p.heading_terms || ' ' || p.text_terms AS terms,
           h.score / max(ln(max(total.n - 0.5, 1.5) / 1.5), 1e-6) AS relevance,
           row_number() OVER (PARTITION BY p.article_id ORDER BY h.score DESC, p.ord) AS nth
    FROM hits AS h
    JOIN kb_passages AS p ON p.id = h.id
    CROSS JOIN total
)
SELECT r.article_id, a.slug, a.title, r.heading, r.text, r.relevance, r.topic_terms, r.terms
FROM ranked AS r
JOIN kb_articles AS a ON a.id = r.article_id
WHERE r.nth <= $2
ORDER BY r.relevance DESC, a.slug, r.ord
LIMIT $3;
