package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

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
