package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once; PRAGMA user_version records how many
// ran. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: entries, and one row per (ancestor unit, entry) so that "newest entries in a
	// subtree" is a range scan of one index in the order we return, whatever the
	// planner's statistics say.
	`CREATE TABLE entries (
		id                TEXT PRIMARY KEY,
		form_id           TEXT NOT NULL,
		form_version      INTEGER NOT NULL,
		unit_id           TEXT NOT NULL,
		unit_path         TEXT NOT NULL,
		author_id         TEXT NOT NULL,
		client_id         TEXT NOT NULL,
		status            TEXT NOT NULL,
		rev               INTEGER NOT NULL,
		period            TEXT NOT NULL,
		data              TEXT NOT NULL,
		payload_hash      TEXT NOT NULL,
		due_at            INTEGER,
		created_at        INTEGER NOT NULL,
		submitted_at      INTEGER,
		updated_at        INTEGER NOT NULL,
		client_created_at INTEGER,
		UNIQUE (author_id, client_id)
	) STRICT;
	CREATE TABLE entry_scope (
		unit_id    TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		entry_id   TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
		PRIMARY KEY (unit_id, created_at, entry_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX entry_scope_entry ON entry_scope (entry_id);`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade taizhang", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if err := apply(ctx, db, i+1, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, version int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}
