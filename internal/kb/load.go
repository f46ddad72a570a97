package kb

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// sampleFS is the sample knowledge base; it is read-only, so sharing it is safe.
//
//go:embed sample/*.md
var sampleFS embed.FS

// LoadDir parses every *.md file at the top level of fsys (subdirectories and
// dot-files are skipped) and returns the articles sorted by slug. The error
// names the file that failed. Use os.DirFS to load a folder from disk.
func LoadDir(fsys fs.FS) ([]Article, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("kb: load: %w", err)
	}
	var articles []Article
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".md" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		a, err := loadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		articles = append(articles, a)
	}
	slices.SortFunc(articles, func(a, b Article) int { return strings.Compare(a.Slug, b.Slug) })
	return articles, nil
}

// loadFile reads and parses one article; its slug is the file name without ".md".
func loadFile(fsys fs.FS, name string) (Article, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Article{}, fmt.Errorf("kb: load %s: %w", name, err)
	}
	a, err := parse(strings.TrimSuffix(name, ".md"), data)
	if err != nil {
		return Article{}, fmt.Errorf("kb: load %s: %w", name, err)
	}
	return a, nil
}

// Sample returns the sample knowledge base embedded in the binary: help-center
// articles for Taskwren, a fictional project-management and invoicing app, used
// by the zero-configuration demo. Each call returns a fresh slice. The error can
// only be non-nil if a file under sample/ is malformed, which the tests rule out.
func Sample() ([]Article, error) {
	sub, err := fs.Sub(sampleFS, "sample")
	if err != nil {
		return nil, fmt.Errorf("kb: sample: %w", err)
	}
	return LoadDir(sub)
}
