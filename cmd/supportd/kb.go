package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/support"
)

const kbUsage = "supportd kb import DIR"

// kbCmd runs "supportd kb import DIR": every *.md file at the top of DIR is
// parsed and imported by slug (the file name without .md). Articles that did
// not change are left alone, so running it twice changes nothing the second time.
func kbCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return fmt.Errorf("%w: %s", errUsage, kbUsage)
	}
	dir, err := kbImportDir(e, args[1:])
	if err != nil {
		return err
	}
	articles, err := loadArticles(dir)
	if err != nil {
		return err
	}
	cfg, log, err := setup(e)
	if err != nil {
		return err
	}
	cfg.KBSeedSample = false // the operator's articles, not the sample's, even on a fresh database
	a, err := app.New(ctx, cfg, log, app.Options{Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	created, updated, unchanged, err := a.KB.ImportArticles(ctx, articles)
	if err != nil {
		return describeImport(dir, err)
	}
	fmt.Fprintf(e.stdout, "imported %d articles: %d created, %d updated, %d unchanged\n", len(articles), created, updated, unchanged)
	return nil
}

// kbImportDir parses "kb import"'s arguments: -h, and exactly one directory.
func kbImportDir(e env, args []string) (string, error) {
	fs := flag.NewFlagSet("supportd kb import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: %s\n\nImports every *.md file at the top of DIR into the knowledge base.\n", kbUsage)
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: %s", errUsage, kbUsage)
	}
	return fs.Arg(0), nil
}

// loadArticles parses the articles in dir; errors name the file at fault.
func loadArticles(dir string) ([]kb.Article, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("kb import: %s is not a directory", dir)
	}
	articles, err := kb.LoadDir(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("kb import %s: %w", dir, err)
	}
	return articles, nil
}

// describeImport names the file behind an invalid article, since slugs come
// from file names.
func describeImport(dir string, err error) error {
	var ie *support.ImportError
	if errors.As(err, &ie) {
		return fmt.Errorf("kb import: %s: %w", filepath.Join(dir, ie.Slug+".md"), describe(ie.Err))
	}
	return fmt.Errorf("kb import: %w", err)
}
