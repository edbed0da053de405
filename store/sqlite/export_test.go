package sqlite

import (
	"context"
	"sync"
	"testing"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// ExecForTest runs a statement on the writer, for tests that must change data
// behind the store's back.
func ExecForTest(tb testing.TB, db *DB, stmt string, args ...any) {
	tb.Helper()
	if _, err := db.exec(context.Background(), stmt, args...); err != nil {
		tb.Fatal(err)
	}
}

// PreparedCounts reports how many statements are prepared on the readers and on
// the writer.
func PreparedCounts(db *DB) (reads, writes int) {
	db.reads.mu.Lock()
	reads = len(db.reads.stmts)
	db.reads.mu.Unlock()
	done := make(chan int)
	db.jobs <- writeJob{ctx: context.Background(), done: make(chan error, 1), fn: func(*txn) error {
		done <- len(db.writes.stmts) // read on the committer, which owns the map
		return nil
	}}
	return reads, <-done
}

// Write runs one write through the committer; exec runs a statement in its
// transaction.
func Write(db *DB, write func(exec func(query string, args ...any) error) error) error {
	ctx := context.Background()
	return db.inTx(ctx, "write", func(tx *txn) error {
		return write(func(query string, args ...any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		})
	})
}

// InOneBatch runs writes as one group-committed batch, in the order given:
// the committer is held until all are queued. exec runs a statement in the
// write's transaction.
func InOneBatch(db *DB, writes ...func(exec func(query string, args ...any) error) error) []error {
	release := Hold(db)
	results := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, write := range writes {
		wg.Go(func() { results[i] = Write(db, write) })
		WaitQueued(db, i+1) // queued before the next, so in order
	}
	release()
	wg.Wait()
	return results
}

// Hold keeps the committer busy with a write of its own until release is
// called: what is written meanwhile waits in its queue.
func Hold(db *DB) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	go db.inTx(context.Background(), "hold", func(*txn) error { close(held); <-done; return nil })
	<-held
	return func() { close(done) }
}

// WaitQueued waits until n writes wait in the committer's queue.
func WaitQueued(db *DB, n int) {
	for len(db.jobs) != n {
		time.Sleep(time.Millisecond)
	}
}

// SetCommitDelay sets how long the committer waits for more writes when it
// finds several queued (commitDelay).
func SetCommitDelay(db *DB, d time.Duration) { db.commitDelay = d }

// WriteTxn runs an empty write through the committer and returns the
// transaction it ran in, to tell which writes shared one.
func WriteTxn(db *DB) (any, error) {
	var in *txn
	err := db.inTx(context.Background(), "write", func(tx *txn) error { in = tx; return nil })
	return in, err
}

// MetaKeys lists the keys of the meta table, as committed.
func MetaKeys(tb testing.TB, db *DB) []string {
	tb.Helper()
	rows, err := db.readers.Query(`SELECT key FROM meta ORDER BY key`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			tb.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// PageCacheErr is what configuring SQLite's page cache returned.
func PageCacheErr() error { return configurePageCache() }

// PageSlotsUsed is how many slots of the page cache's buffer hold a page now.
func PageSlotsUsed() int {
	tls := libc.NewTLS()
	defer tls.Close()
	// Outside Go's heap, which the C code may not write into; read back as
	// a va_list's next int (libc.VaInt32 reads a zeroed 8-byte slot).
	current, highest := libc.Xcalloc(tls, 1, 8), libc.Xcalloc(tls, 1, 8)
	defer libc.Xfree(tls, current)
	defer libc.Xfree(tls, highest)
	sqlite3.Xsqlite3_status(tls, sqlite3.SQLITE_STATUS_PAGECACHE_USED, current, highest, 0)
	return int(libc.VaInt32(&current))
}
