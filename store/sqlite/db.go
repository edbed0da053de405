// Package sqlite is the embedded store: one SQLite file in the data directory, so
// `make run` needs nothing installed. It implements the domain store interfaces and
// passes the same contract suite as the MongoDB adapter.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"taizhang/attachments"
	"taizhang/errs"
)

// Observer receives the latency and outcome of every store operation (for metrics).
type Observer func(op string, took time.Duration, err error)

// Options configure Open.
type Options struct {
	Dir     string   // data directory; created if missing
	Observe Observer // optional
	// ReadOnly opens an existing database beside a running server (for admin
	// commands such as audit verify): no directory lock, no migrations, no writes.
	ReadOnly bool
	// AuditKey seals audit records (HMAC-SHA256); empty writes unkeyed ones.
	AuditKey []byte
	// Blobs keeps attachment bytes; nil keeps them in <Dir>/blobs.
	Blobs attachments.Blobs
}

// DB is an open embedded store. SQLite allows one writer at a time, so writes go
// through a single connection (no SQLITE_BUSY between our own writers) while reads
// use a pool that WAL lets run beside the writer.
type DB struct {
	dir       string
	writer    *sql.DB
	readers   *sql.DB
	reads     *readStmts  // statements prepared on readers
	writes    *writeStmts // statements prepared on the writer, owned by the committer
	listCache *listCache  // decoded list rows by (id, rev)
	lock      *os.File
	observe   Observer
	auditKey  []byte
	blobs     attachments.Blobs

	versions    knownVersions // as of the last write: see versions.go
	jobs        chan writeJob // group commit: see commit.go
	committed   chan struct{}
	commitDelay time.Duration

	stopPackingOld context.CancelFunc // packing entries written before packing: see packed.go
	packedOld      chan struct{}
}

// FileName is the database file inside the data directory.
const FileName = "taizhang.db"

// Open locks the data directory, opens the database and applies migrations.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.ReadOnly {
		return openReadOnly(opts)
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	db := &DB{dir: opts.Dir, lock: lock, observe: opts.Observe, listCache: newListCache(), auditKey: opts.AuditKey, blobs: blobsOf(opts)}
	if db.observe == nil {
		db.observe = func(string, time.Duration, error) {}
	}
	path := filepath.Join(opts.Dir, FileName)
	if err := create(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if db.writer, err = openSQLite(dsn(path, false)); err == nil {
		db.readers, err = openSQLite(dsn(path, true))
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.reads = newReadStmts(db.readers)
	db.writer.SetMaxOpenConns(1)
	// Readers stay open: database/sql keeps only two idle connections by default,
	// so under load it closed and reopened the others, preparing every statement
	// again on each new connection.
	readers := readerConns()
	db.readers.SetMaxOpenConns(readers)
	db.readers.SetMaxIdleConns(readers)
	db.writer.SetConnMaxIdleTime(0)
	if err := migrate(ctx, db.writer); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	// A store without entries keeps its counts from the first entry on.
	if _, err := db.writer.ExecContext(ctx, `INSERT OR IGNORE INTO ledger_meta (key, value)
		SELECT 'counts_built', '1' WHERE NOT EXISTS (SELECT 1 FROM entries)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.learnVersions()
	db.startCommitter()
	db.startPackingOld()
	return db, nil
}

// readerConns is how many reader connections the store keeps open.
func readerConns() int { return max(4, runtime.NumCPU()) }

// PageSize is a new database's page size. An entry's row is 2–4 KB: 4 KiB
// pages held one such row each, wasting a third of the file, and larger rows
// spilled into overflow pages. An existing database keeps its page size.
const PageSize = 16384

// create makes the database file with its page size, which can no longer
// change once the file is in WAL mode; an existing file is left alone.
func create(path string) error {
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	db, err := openSQLite("file:" + path)
	if err != nil {
		return err
	}
	_, err = db.Exec(fmt.Sprintf("PRAGMA page_size = %d; PRAGMA journal_mode = WAL", PageSize))
	return errors.Join(err, db.Close())
}

// blobsOf is the blob store asked for, or the data dir's.
func blobsOf(opts Options) attachments.Blobs {
	if opts.Blobs != nil {
		return opts.Blobs
	}
	return attachments.DirBlobs{Dir: filepath.Join(opts.Dir, "blobs")}
}

func openReadOnly(opts Options) (*DB, error) {
	path := filepath.Join(opts.Dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s: %w", path, err)
	}
	readers, err := openSQLite(dsn(path, true))
	if err != nil {
		return nil, err
	}
	db := &DB{dir: opts.Dir, writer: readers, readers: readers, observe: opts.Observe, listCache: newListCache(),
		reads: newReadStmts(readers), blobs: blobsOf(opts)}
	if db.observe == nil {
		db.observe = func(string, time.Duration, error) {}
	}
	return db, nil
}

// dsn sets the pragmas on every connection: WAL so readers never block the writer;
// synchronous FULL so an acknowledged write survives a crash or power loss; a busy
// timeout so a checkpoint never surfaces as an error; foreign keys on; temporary
// files in memory — statement and savepoint journals (commit.go) were otherwise
// a real file written on every filing (8% of its CPU).
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_txlock", "immediate")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// lockDir takes an exclusive advisory lock so a second process on the same data
// directory refuses to start instead of corrupting the files or its WAL.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "taizhang.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another taizhang process (pid %s); stop it or choose another TAIZHANG_DATA_DIR", dir, string(holder))
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0)
	return f, nil
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.readers.PingContext(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, "数据库暂不可用", err)
	}
	return nil
}

// Close closes the database and releases the directory lock.
func (db *DB) Close() error {
	if db.stopPackingOld != nil {
		db.stopPackingOld()
		<-db.packedOld
	}
	db.stopCommitter() // finish pending writes before the connections go
	if db.reads != nil {
		db.reads.close()
	}
	var errList []error
	if db.readers != nil {
		errList = append(errList, db.readers.Close())
	}
	if db.writer != nil && db.writer != db.readers {
		errList = append(errList, db.writer.Close())
	}
	if db.lock != nil {
		errList = append(errList, db.lock.Close())
	}
	return errors.Join(errList...)
}

// mapError turns driver errors into domain errors; others are wrapped for the log.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errs.Wrap(errs.Duplicate, "记录已存在", err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
			return errs.Wrap(errs.Unavailable, "数据库繁忙，请稍后重试", err)
		}
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return errs.Wrap(errs.Unavailable, "数据库繁忙，请稍后重试", err)
		}
	}
	return fmt.Errorf("sqlite %s: %w", op, err)
}

// track reports an operation to the observer; use as defer db.track(op, time.Now(), &err).
func (db *DB) track(op string, start time.Time, err *error) {
	db.observe(op, time.Since(start), *err)
}

// queryAll runs a read on the reader pool and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, mapError(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapError(op, err)
		}
		out = append(out, v)
	}
	return out, mapError(op, rows.Err())
}
