package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"taizhang/entries"
	"taizhang/ledger"
	"taizhang/signals"
)

// Bulk loading for benchmarks in other packages, which need a store of a
// million entries in seconds rather than one fsynced transaction each.

// seed runs fn in one transaction on the writer, failing tb on any error.
func seed(tb testing.TB, db *DB, fn func(ctx context.Context, tx *sql.Tx) error) {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	db.learnVersions()
}

// SeedEntries writes many entries in one transaction, for benchmarks that need a
// large store quickly. It writes the same rows Insert does.
func SeedEntries(tb testing.TB, db *DB, es []entries.Entry) {
	tb.Helper()
	seed(tb, db, func(ctx context.Context, tx *sql.Tx) error {
		insertEntry, err := tx.PrepareContext(ctx, `INSERT INTO entries (id, form_id, form_version, unit_id, unit_path,
			author_id, client_id, status, rev, period, data, packed, payload_hash, due_at, created_at,
			submitted_at, updated_at, client_created_at, open) VALUES (?,?,?,?,`+ownPath+`,?,?,?,1,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		insertScope, err := tx.PrepareContext(ctx, `INSERT INTO entry_scope (unit_id, created_at, entry_id) VALUES (?,?,?)`)
		if err != nil {
			return err
		}
		for _, e := range es {
			path, _ := json.Marshal(e.UnitPath)
			plain, packed := pack(e.Data)
			_, err := insertEntry.ExecContext(ctx, e.ID, e.FormID, e.FormVersion, e.UnitID, e.UnitID, string(path), string(path), e.AuthorID,
				e.ClientID, e.Status, e.Period, plain, packed, e.PayloadHash, millis(e.DueAt), millis(e.CreatedAt),
				millis(e.SubmittedAt), millis(e.UpdatedAt), millis(e.ClientCreatedAt), e.Open)
			if err != nil {
				return err
			}
			for _, unitID := range e.UnitPath {
				if _, err := insertScope.ExecContext(ctx, unitID, millis(e.CreatedAt), e.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SeedObligations writes a ledger's obligations in one transaction, with their
// submissions as given, for benchmarks of the reports.
func SeedObligations(tb testing.TB, db *DB, list []ledger.Obligation) {
	tb.Helper()
	seed(tb, db, func(ctx context.Context, tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO obligations (form_id, period, unit_id, unit_path, due_at, owed,
			entry_id, first_submitted_at) VALUES (?,?,?,?,?,1,?,?)`)
		if err != nil {
			return err
		}
		for _, o := range list {
			var first any
			if !o.FirstSubmittedAt.IsZero() {
				first = millis(o.FirstSubmittedAt)
			}
			if _, err := insert.ExecContext(ctx, o.FormID, o.Period, o.UnitID, pathKey(o.UnitPath), millis(o.DueAt), o.EntryID, first); err != nil {
				return err
			}
		}
		return nil
	})
}

// SeedPrints writes the signals index's prints of many entries in one
// transaction, as a signals check's effects would, for the signals benchmarks.
func SeedPrints(tb testing.TB, db *DB, list []signals.Prints) {
	tb.Helper()
	seed(tb, db, func(ctx context.Context, tx *sql.Tx) error {
		t := &txn{Tx: tx, stmts: &writeStmts{stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}}
		for i := range list {
			if err := writePrints(ctx, t, &list[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
