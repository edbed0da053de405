package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database in dir to the file dest,
// which must not exist, while a server may be writing: VACUUM INTO reads one
// snapshot (WAL lets it run beside the writer) and writes a compact database.
func Backup(ctx context.Context, dir, dest string) error {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: %w", path, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists already", dest)
	}
	// Not query_only: SQLite counts VACUUM INTO as a write, though it writes
	// only dest. Nothing else is run on this connection.
	db, err := openSQLite(dsn(path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	return nil
}

// CheckIntegrity opens the database file at path read-only and runs SQLite's
// integrity check: a restored copy is checked before anyone serves it.
func CheckIntegrity(ctx context.Context, path string) error {
	db, err := openSQLite(dsn(path, true))
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return errors.New("integrity check: " + result)
	}
	return nil
}
