package sqlite

import (
	"context"
	"testing"
)

// ExecForTest runs a statement on the writer, for tests that must change data
// behind the store's back.
func ExecForTest(tb testing.TB, db *DB, stmt string, args ...any) {
	tb.Helper()
	if _, err := db.writer.Exec(stmt, args...); err != nil {
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
