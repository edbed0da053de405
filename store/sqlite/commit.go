package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"taizhang/errs"
)

// Group commit. Every write runs through one goroutine that owns the writer
// connection. Writes that arrive while a transaction is being committed wait,
// and the next transaction takes all of them (up to maxBatch), each inside its
// own savepoint: one write's failure rolls back only that write, and one fsync
// makes the whole batch durable. Under load this turns many small transactions
// into few, which is what the single SQLite writer can sustain.

const maxBatch = 64

type writeJob struct {
	ctx  context.Context
	fn   func(tx *txn) error
	done chan error
}

// startCommitter launches the writer goroutine; stopCommitter ends it.
func (db *DB) startCommitter() {
	db.jobs = make(chan writeJob, maxBatch)
	db.committed = make(chan struct{})
	db.writes = &writeStmts{writer: db.writer, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	go func() {
		defer close(db.committed)
		defer db.writes.close()
		for first := range db.jobs {
			batch := []writeJob{first}
		drain:
			for len(batch) < maxBatch {
				select {
				case j, ok := <-db.jobs:
					if !ok {
						break drain
					}
					batch = append(batch, j)
				default:
					break drain
				}
			}
			db.commitBatch(batch)
		}
	}()
}

func (db *DB) stopCommitter() {
	if db.jobs != nil {
		close(db.jobs)
		<-db.committed
	}
}

// commitBatch runs each job in a savepoint of one transaction and commits it.
func (db *DB) commitBatch(batch []writeJob) {
	results := make([]error, len(batch))
	sqlTx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range batch {
			j.done <- err
		}
		return
	}
	tx := &txn{Tx: sqlTx, stmts: db.writes, auditKey: db.auditKey}
	for i, j := range batch {
		results[i] = runInSavepoint(tx, j)
	}
	defer db.writes.prepareWanted() // the writer connection is free again once committed
	if err := tx.Commit(); err != nil {
		for _, j := range batch {
			j.done <- err
		}
		return
	}
	for i, j := range batch {
		j.done <- results[i]
	}
}

func runInSavepoint(tx *txn, j writeJob) error {
	if err := j.ctx.Err(); err != nil {
		return err
	}
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
// *errs.Error passes through; driver errors are mapped.
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
