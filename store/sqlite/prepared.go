package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements. The driver keeps a prepared statement compiled on each
// connection it was used on, so a query prepared once is parsed once per
// connection instead of on every call — for the small queries of a filing or a
// list page, parsing is most of SQLite's CPU. Query texts are few (built from a
// bounded set of filters and paths); past maxPrepared distinct texts, queries
// simply run unprepared.
const maxPrepared = 512

// readStmts caches statements on the reader pool. Preparing takes a reader
// connection briefly, like any query.
type readStmts struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newReadStmts(pool *sql.DB) *readStmts {
	return &readStmts{pool: pool, stmts: map[string]*sql.Stmt{}}
}

func (r *readStmts) get(ctx context.Context, query string) *sql.Stmt {
	r.mu.Lock()
	st, ok := r.stmts[query]
	full := len(r.stmts) >= maxPrepared
	r.mu.Unlock()
	if ok || full {
		return st
	}
	// Prepared without the lock held: preparing waits for a free connection, and
	// lookups of statements already prepared must not wait behind it.
	st, err := r.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if first, ok := r.stmts[query]; ok { // prepared meanwhile by another caller
		_ = st.Close()
		return first
	}
	r.stmts[query] = st
	return st
}

func (r *readStmts) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for q, st := range r.stmts {
		_ = st.Close()
		delete(r.stmts, q)
	}
}

// queryRow runs a single-row read on the reader pool.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.reads.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.readers.QueryRowContext(ctx, query, args...)
}

// query runs a read on the reader pool.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.reads.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.readers.QueryContext(ctx, query, args...)
}

// writeStmts caches statements on the single writer connection. Only the
// committer goroutine touches it, and it cannot prepare while its own
// transaction holds that connection: a statement first runs unprepared and is
// prepared after the batch commits, for the transactions that follow.
type writeStmts struct {
	writer *sql.DB
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// prepareWanted prepares what the last batch ran unprepared; called between batches.
func (w *writeStmts) prepareWanted() {
	for q := range w.wanted {
		delete(w.wanted, q)
		if len(w.stmts) >= maxPrepared {
			continue
		}
		if st, err := w.writer.Prepare(q); err == nil {
			w.stmts[q] = st
		}
	}
}

func (w *writeStmts) close() {
	for q, st := range w.stmts {
		_ = st.Close()
		delete(w.stmts, q)
	}
}

// txn is a write transaction that runs its statements prepared when it can.
type txn struct {
	*sql.Tx
	stmts    *writeStmts
	auditKey []byte // seals the audit records appended in it
}

func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts.stmts[query]; ok {
		return t.Tx.StmtContext(ctx, st) // the writer connection has it compiled already
	}
	t.stmts.wanted[query] = true
	return nil
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}
