package store

// KBQueries exposes the knowledge-base statements whose plans the black-box
// tests check: the keyset lists, and this engine's passage search.
func (db *DB) KBQueries() map[string]string {
	search := db.kq.searchSQLite
	if db.dialect == postgresDialect {
		search = db.kq.searchPostgres
	}
	return map[string]string{
		"list-articles":       db.kq.listArticles,
		"list-articles-after": db.kq.listArticlesAfter,
		"search-passages":     search,
	}
}
