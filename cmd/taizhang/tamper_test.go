package main

import (
	"database/sql"
	"path/filepath"

	_ "modernc.org/sqlite" // the driver, for editing the file behind the server's back

	"taizhang/store/sqlite"
)

func sqliteOpenForTamper(dir string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
}
