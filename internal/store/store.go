// Package store is supportd's one repository implementation, over database/sql,
// for both PostgreSQL (pgx) and embedded SQLite (modernc, no cgo).
//
// Both engines run the same statements from the *queries.sql files, except
// knowledge-base search, where each uses its own full-text engine (a -postgres
// and a -sqlite variant in kb_queries.sql); what else differs between them
// (driver, pool, migrations) is kept in a dialect value. LoadReplyContext sends
// its statements as one pgx batch on PostgreSQL (reply_context.go). Times are stored
// in UTC with microsecond precision, so a value written and read back is Equal.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/supportd/supportd/internal/kb"
	"strings"
	"sync"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// DB is a connection pool to PostgreSQL or SQLite. It implements
// support.UserStore, support.TicketStore and support.KBStore and is safe for
// concurrent use.
type DB struct {
	sql     *sql.DB
	dialect dialect
	statements
	aq        aiQueries
	now       func() time.Time // fills CreatedAt when a caller leaves it zero
	migrateMu sync.Mutex       // serialises Migrate within the process
	// searchWindow: how many filtered tickets a full-text listing walks on
	// PostgreSQL before it reads the matches instead (ticket_search_pg.go).
	searchWindow int

	errorSeen func(kind string) // counts errors by kind (ObserveErrors); nil: not counted

	txEvents        sync.Map // *sql.Tx -> true: the transaction wrote ticket events
	eventsCommitted func()   // OnEventsCommitted

	sqliteFile string     // the SQLite file; "" on PostgreSQL
	queueMu    sync.Mutex // guards queuePool
	queuePool  *sql.DB    // River's own pool on SQLite (queue.go); nil until asked for

	analyzer   kb.Analyzer // analyses passages for the full-text index (kb_index.go)
	analyzerID string      // names analyzer's version; a change re-indexes (ReindexKB)
}

// Option changes how Open sets a DB up.
type Option func(*DB)

// WithAnalyzer makes the knowledge base's full-text index use an, identified
// by id (which must change whenever an analyses text differently, such as an
// operator's synonym list changing). The default is DefaultAnalyzer.
func WithAnalyzer(an kb.Analyzer, id string) Option {
	return func(db *DB) { db.analyzer, db.analyzerID = an, id }
}

var (
	_ support.UserStore   = (*DB)(nil)
	_ support.TicketStore = (*DB)(nil)
)

// statements holds the SQL of every *queries.sql file read through a querySet,
// one set per file (ai_queries.sql has its own loader).
type statements struct {
	q   queries           // queries.sql
	kq  kbQueries         // kb_queries.sql
	pq  peopleQueries     // people_queries.sql
	sq  sessionQueries    // session_queries.sql
	uq  auditQueries      // audit_queries.sql
	dq  deskQueries       // desk_queries.sql
	fq  feedQueries       // feed_queries.sql
	wq  webhookQueries    // webhook_queries.sql
	aq2 attachmentQueries // attachment_queries.sql
	bq  feedbackQueries   // feedback_queries.sql

	iq idempotencyQueries // idempotency_queries.sql
}

// loadStatements reads the embedded query files into their sets.
func loadStatements() (statements, error) {
	var s statements
	err := loadQueries(queryFiles, map[string]querySet{"queries.sql": &s.q, "kb_queries.sql": &s.kq,
		"people_queries.sql": &s.pq, "session_queries.sql": &s.sq, "audit_queries.sql": &s.uq, "desk_queries.sql": &s.dq,
		"feed_queries.sql": &s.fq, "webhook_queries.sql": &s.wq, "attachment_queries.sql": &s.aq2,
		"idempotency_queries.sql": &s.iq,
		"feedback_queries.sql":    &s.bq})
	return s, err
}

// Open connects to databaseURL and checks that the database answers.
//
// "postgres://..." and "postgresql://..." use pgx; "sqlite://PATH" uses modernc
// SQLite, with PATH absolute ("sqlite:///var/lib/app.db") or relative
// ("sqlite://data/app.db"); its directory is created if needed. Open does not
// migrate: call Migrate. An unreachable database gives a *support.Error with
// CodeUnavailable. Error messages are one line and never contain a password.
func Open(ctx context.Context, databaseURL string, opts ...Option) (*DB, error) {
	st, err := loadStatements()
	if err != nil {
		return nil, err
	}
	aq, err := loadAIQueries()
	if err != nil {
		return nil, err
	}
	pool, d, err := connect(databaseURL)
	if err != nil {
		return nil, err
	}
	db := &DB{sql: pool, dialect: d, statements: st, aq: aq, now: time.Now, searchWindow: defaultSearchWindow}
	db.analyzer, db.analyzerID = DefaultAnalyzer()
	for _, opt := range opts {
		opt(db)
	}
	db.sqliteFile, _ = sqlitePath(databaseURL)
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close() // the ping error is the one worth reporting
		return nil, oneLine(db.translate("connect to "+d.engine, err))
	}
	return db, nil
}

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	return db.translate("ping", db.sql.PingContext(ctx))
}

// Close closes the pool. Calls made afterwards fail with CodeUnavailable.
func (db *DB) Close() error {
	db.queueMu.Lock()
	defer db.queueMu.Unlock()
	if db.queuePool != nil {
		_ = db.queuePool.Close() // the main pool's error is the one to report
		db.queuePool = nil
	}
	return db.sql.Close()
}

// Engine returns "postgres" or "sqlite".
func (db *DB) Engine() string {
	return db.dialect.engine
}

// SQL returns the underlying pool, for tests and tools.
func (db *DB) SQL() *sql.DB {
	return db.sql
}

// lineError flattens a multi-line message (pgconn lists each address it tried
// on its own line) so an operator sees it as one log line. Unwrap keeps
// errors.Is and errors.As working.
type lineError struct{ err error }

func oneLine(err error) error { return lineError{err} }

func (e lineError) Error() string { return strings.Join(strings.Fields(e.err.Error()), " ") }

func (e lineError) Unwrap() error { return e.err }

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

// mustAffect turns an Exec that matched no row into support.ErrNotFound.
func mustAffect(res sql.Result, err error, what, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, support.ErrNotFound)
	}
	return nil
}

// queryAll runs query and scans every row with scan. The result is never nil.
func queryAll[T any](ctx context.Context, q queryer, query string, scan func(rowScanner) (T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanRows(rows, scan)
}

// queryer is a pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rowIterator is what database/sql's and pgx's result rows have in common.
type rowIterator interface {
	rowScanner
	Next() bool
	Err() error
}

// scanRows scans every remaining row with scan. The result is never nil.
func scanRows[T any](rows rowIterator, scan func(rowScanner) (T, error)) ([]T, error) {
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// nullIfEmpty stores "" as NULL, for optional foreign keys.
func nullIfEmpty(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
