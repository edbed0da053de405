package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"taizhang/errs"
)

// Group commit. Every write runs through one goroutine that owns the writer
// connection. Writes that arrive while a transaction is being committed wait,
// and the next transaction takes all of them (up to maxBatch): one fsync makes
// the whole batch durable. Under load this turns many small transactions into
// few, which is what the single SQLite writer can sustain.
//
// One write's failure must fail that write alone. A savepoint around each
// would do that, but it copies every page the write touches (16 KiB each)
// into a journal in memory first, which was a tenth of a filing's CPU
// (docs/performance.md), and writes almost never fail. So a batch runs
// without savepoints; when a write fails, the transaction is rolled back and
// the batch runs again with each write in its savepoint, the failed one left
// out with its error. A write's function may therefore run twice (inTx).

// When writes are arriving together (the queue held more than one), the
// committer waits commitDelay before it starts, so that the writes being
// prepared meanwhile join this transaction rather than the next one: as
// PostgreSQL's commit_delay does when other transactions are active. Each
// transaction's fixed cost (an fsync, the WAL frames of the pages every
// write touches, the wake-ups) is then shared by more writes. A lone write
// does not wait. At the filing benchmark's 16 connections, batches grew
// from about 5 to 7 filings and the server's CPU per filing fell by about a
// tenth (docs/performance.md); a write waits at most a millisecond more.
const (
	maxBatch    = 64
	commitDelay = time.Millisecond
)

type writeJob struct {
	ctx  context.Context
	fn   func(tx *txn) error
	done chan error
}

// startCommitter launches the writer goroutine; stopCommitter ends it.
func (db *DB) startCommitter() {
	db.jobs = make(chan writeJob, maxBatch)
	db.committed = make(chan struct{})
	db.commitDelay = commitDelay
	db.writes = &writeStmts{writer: db.writer, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	go func() {
		defer close(db.committed)
		defer db.writes.close()
		for first := range db.jobs {
			batch := db.queued([]writeJob{first})
			if len(batch) > 1 && len(batch) < maxBatch {
				time.Sleep(db.commitDelay)
				batch = db.queued(batch)
			}
			db.commitBatch(batch)
		}
	}()
}

// queued adds the writes waiting in the queue to batch, up to maxBatch.
func (db *DB) queued(batch []writeJob) []writeJob {
	for len(batch) < maxBatch {
		select {
		case j, ok := <-db.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

func (db *DB) stopCommitter() {
	if db.jobs != nil {
		close(db.jobs)
		<-db.committed
	}
}

// commitBatch runs a batch in one transaction and commits it.
func (db *DB) commitBatch(batch []writeJob) {
	defer db.writes.prepareWanted() // the writer connection is free again once committed
	results, failed, err := db.runBatch(batch, -1)
	if failed >= 0 && err == nil && len(batch) > 1 {
		why := results[failed]
		if results, _, err = db.runBatch(batch, failed); err == nil {
			results[failed] = why
		}
	}
	for i, j := range batch {
		if err != nil {
			j.done <- err
		} else {
			j.done <- results[i]
		}
	}
}

// runBatch runs the jobs in one transaction. With failed < 0 it runs them
// bare and, at the first job that fails, rolls back and returns that job's
// index (its error in results); otherwise it runs each in a savepoint and
// leaves out the job failed. err is a failure of the transaction itself, for
// all the jobs.
func (db *DB) runBatch(batch []writeJob, failed int) (results []error, failedAt int, err error) {
	sqlTx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, -1, err
	}
	tx := &txn{Tx: sqlTx, stmts: db.writes, auditKey: db.auditKey}
	results = make([]error, len(batch))
	for i, j := range batch {
		switch {
		case j.ctx.Err() != nil: // given up on: nothing to write
			results[i] = j.ctx.Err()
		case failed < 0:
			if results[i] = j.fn(tx); results[i] != nil {
				return results, i, sqlTx.Rollback()
			}
		case i != failed:
			results[i] = runInSavepoint(tx, j)
		}
	}
	versions, versionsErr := scanVersions(tx.QueryRowContext(context.Background(), versionsQuery))
	if err := tx.Commit(); err != nil {
		return results, -1, err
	}
	db.versions.learn(versions, versionsErr) // before any job is answered
	return results, -1, nil
}

func runInSavepoint(tx *txn, j writeJob) error {
	if _, err := tx.ExecContext(context.Background(), `SAVEPOINT job`); err != nil {
		return err
	}
	if err := j.fn(tx); err != nil {
		if _, rbErr := tx.ExecContext(context.Background(), `ROLLBACK TO job`); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		_, _ = tx.ExecContext(context.Background(), `RELEASE job`)
		return err
	}
	_, err := tx.ExecContext(context.Background(), `RELEASE job`)
	return err
}

var errClosed = fmt.Errorf("sqlite: store closed")

// inTx runs fn in a write transaction — shared, through group commit, with
// whatever other writes are waiting — and returns once it is durable. A returned
// *errs.Error passes through; driver errors are mapped. fn may run twice, the
// second time on the store as it was before the first: it must set what it
// reports to its caller afresh on each run, never add to it.
func (db *DB) inTx(ctx context.Context, op string, fn func(tx *txn) error) (err error) {
	if db.jobs == nil {
		return errs.Wrap(errs.Unavailable, "数据库以只读方式打开", errClosed)
	}
	job := writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	defer func() {
		if r := recover(); r != nil { // a send on the closed queue: the store was closed
			err = errs.Wrap(errs.Unavailable, "数据库已关闭", errClosed)
		}
	}()
	select {
	case db.jobs <- job:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := <-job.done; err != nil {
		var appErr *errs.Error
		if errors.As(err, &appErr) {
			return err
		}
		return mapError(op, err)
	}
	return nil
}
