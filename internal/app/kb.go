package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/textsearch"
)

// kbAnalyzer is the analysis the knowledge base is indexed and searched with:
// the built-in one, extended by the operator's synonym file when there is one.
// Its id changes with the file's content, so editing the file re-indexes the
// articles at the next start (store.ReindexKB).
func kbAnalyzer(synonymsFile string) (*textsearch.Analyzer, string, error) {
	_, builtinID := store.DefaultAnalyzer()
	if synonymsFile == "" {
		return textsearch.NewAnalyzer(textsearch.DefaultSynonyms()), builtinID, nil
	}
	data, err := os.ReadFile(synonymsFile)
	if err != nil {
		return nil, "", fmt.Errorf("KB_SYNONYMS_FILE: %w", err)
	}
	extra, err := textsearch.ParseSynonyms(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("KB_SYNONYMS_FILE %s: %w", synonymsFile, err)
	}
	sum := sha256.Sum256(data)
	return textsearch.NewAnalyzer(textsearch.DefaultSynonyms().Merge(extra)),
		builtinID + "+synonyms:" + hex.EncodeToString(sum[:8]), nil
}

// reindexKB re-indexes the articles when the analysis changed since they were
// indexed: a new release, or a new synonym file.
func reindexKB(ctx context.Context, db *store.DB, log *slog.Logger) error {
	began := time.Now()
	n, err := db.ReindexKB(ctx)
	if err != nil {
		return fmt.Errorf("re-index knowledge base: %w", err)
	}
	if n > 0 {
		log.InfoContext(ctx, "knowledge base re-indexed: the text analysis changed", "articles", n,
			"took", time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// seedSample imports the embedded sample help center into an empty knowledge
// base, so that a fresh development instance has something for search and the
// assistant to work with. A knowledge base with any article is left alone:
// the sample never mixes into one an operator has filled. Two instances
// starting at once both import; ImportArticles makes the second a no-op.
func seedSample(ctx context.Context, db *store.DB, svc *support.KBService, log *slog.Logger) error {
	n, err := db.CountArticles(ctx)
	if err != nil {
		return fmt.Errorf("seed knowledge base: %w", err)
	}
	if n > 0 {
		return nil
	}
	sample, err := kb.Sample()
	if err != nil {
		return fmt.Errorf("seed knowledge base: %w", err)
	}
	created, _, _, err := svc.ImportArticles(ctx, sample)
	if err != nil {
		return fmt.Errorf("seed knowledge base: %w", err)
	}
	log.InfoContext(ctx, "knowledge base was empty: imported the sample help center",
		"articles", created, "disable_with", "KB_SEED_SAMPLE=false")
	return nil
}

// startupWarnings logs, when a server starts, what would otherwise go unnoticed
// until users meet it: an empty knowledge base (the assistant then answers from
// nothing but the ticket), and SQLite in production (one instance only).
func (a *App) startupWarnings(ctx context.Context) {
	n, err := a.DB.CountArticles(ctx)
	switch {
	case err != nil:
		a.Log.WarnContext(ctx, "could not count knowledge-base articles", "err", err)
	case n == 0:
		a.Log.WarnContext(ctx, "the knowledge base is empty: the assistant has nothing to ground answers in; "+
			"load articles with supportd kb import DIR")
	}
	if !a.Config.Dev() && a.DB.Engine() == "sqlite" {
		a.Log.WarnContext(ctx, "SQLite in production: run exactly one instance on this database file, keep it on "+
			"a persistent volume and back it up; several instances need PostgreSQL (DATABASE_URL=postgres://...)",
			"database", a.DB.Engine())
	}
}
