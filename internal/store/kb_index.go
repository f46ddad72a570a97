package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/textsearch"
)

// defaultAnalyzerID names the built-in analysis (textsearch with its built-in
// synonyms). Bump it whenever that analysis changes, so that every
// deployment re-indexes its articles at the next start.
const defaultAnalyzerID = "textsearch/1"

// DefaultAnalyzer is the analyzer Open uses without WithAnalyzer, and its id.
func DefaultAnalyzer() (kb.Analyzer, string) {
	return textsearch.NewAnalyzer(textsearch.DefaultSynonyms()), defaultAnalyzerID
}

// errIndexCurrent rolls back ReindexKB's transaction when there is nothing to do.
var errIndexCurrent = errors.New("index is current")

// ReindexKB rebuilds every article's passages when the index was built by
// another analyzer than this DB's (a new release, a changed synonym list), and
// reports how many articles it re-indexed. It runs in one transaction that
// first bumps the revision: that write takes the state row's lock (the
// database's write lock on SQLite), so instances starting together re-index
// once, the second finding the work done.
func (db *DB) ReindexKB(ctx context.Context) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.kq.bumpRevision); err != nil {
			return err
		}
		var current string
		var revision int64
		if err := tx.QueryRowContext(ctx, db.kq.indexState).Scan(&current, &revision); err != nil {
			return err
		}
		if current == db.analyzerID {
			return errIndexCurrent
		}
		ids, err := queryAll(ctx, tx, db.kq.allArticleIDs, func(row rowScanner) (string, error) {
			var id string
			return id, row.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := db.reindexArticle(ctx, tx, id); err != nil {
				return fmt.Errorf("article %s: %w", id, err)
			}
		}
		n = len(ids)
		_, err = tx.ExecContext(ctx, db.kq.setAnalyzer, db.analyzerID)
		return err
	})
	if errors.Is(err, errIndexCurrent) {
		return 0, nil
	}
	return n, db.translate("reindex knowledge base", err)
}

func (db *DB) reindexArticle(ctx context.Context, tx *sql.Tx, id string) error {
	a, err := scanArticle(tx.QueryRowContext(ctx, db.kq.articleByID, id))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.kq.deletePassages, id); err != nil {
		return err
	}
	return db.insertPassages(ctx, tx, a)
}

// KBRevision returns a number that changes whenever an article is written or
// deleted, on any instance: what caches derived from the knowledge base check.
func (db *DB) KBRevision(ctx context.Context) (int64, error) {
	var analyzer string
	var revision int64
	err := db.sql.QueryRowContext(ctx, db.kq.indexState).Scan(&analyzer, &revision)
	return revision, db.translate("knowledge base revision", err)
}

// KBVocabulary returns every indexed term with the number of passages that
// hold it, the number of passages and the revision they were read at.
func (db *DB) KBVocabulary(ctx context.Context) (support.Vocabulary, error) {
	query := db.kq.vocabularySQLite
	if db.dialect == postgresDialect {
		query = db.kq.vocabularyPostgres
	}
	v := support.Vocabulary{DocFreq: map[string]int{}}
	err := db.inTx(ctx, func(tx *sql.Tx) error { // one snapshot for both reads
		var analyzer string
		if err := tx.QueryRowContext(ctx, db.kq.indexState).Scan(&analyzer, &v.Revision); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, db.kq.countPassages).Scan(&v.Passages); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var term string
			var df int
			if err := rows.Scan(&term, &df); err != nil {
				return err
			}
			v.DocFreq[term] = df
		}
		return rows.Err()
	})
	return v, db.translate("knowledge base vocabulary", err)
}
