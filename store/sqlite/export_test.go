package sqlite

import (
	"context"
	"encoding/json"
	"testing"

	"taizhang/entries"
)

// SeedEntries writes many entries in one transaction, for benchmarks that need a
// large store quickly. It writes the same rows Insert does.
func SeedEntries(tb testing.TB, db *DB, es []entries.Entry) {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	insertEntry, err := tx.PrepareContext(ctx, `INSERT INTO entries (id, form_id, form_version, unit_id, unit_path,
		author_id, client_id, status, rev, period, data, payload_hash, due_at, created_at,
		submitted_at, updated_at, client_created_at, open) VALUES (?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		tb.Fatal(err)
	}
	insertScope, err := tx.PrepareContext(ctx, `INSERT INTO entry_scope (unit_id, created_at, entry_id) VALUES (?,?,?)`)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range es {
		path, _ := json.Marshal(e.UnitPath)
		_, err := insertEntry.ExecContext(ctx, e.ID, e.FormID, e.FormVersion, e.UnitID, string(path), e.AuthorID,
			e.ClientID, e.Status, e.Period, string(e.Data), e.PayloadHash, millis(e.DueAt), millis(e.CreatedAt),
			millis(e.SubmittedAt), millis(e.UpdatedAt), millis(e.ClientCreatedAt), e.Open)
		if err != nil {
			tb.Fatal(err)
		}
		for _, unitID := range e.UnitPath {
			if _, err := insertScope.ExecContext(ctx, unitID, millis(e.CreatedAt), e.ID); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

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
