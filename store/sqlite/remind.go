package sqlite

import (
	"context"
	"time"

	"taizhang/remind"
)

// RemindStore implements remind.Store on SQLite.
type RemindStore struct{ db *DB }

// Remind returns the reminders' lease and sent-record store.
func (db *DB) Remind() *RemindStore { return &RemindStore{db: db} }

var _ remind.Store = (*RemindStore)(nil)

// Claim implements remind.Store: the upsert changes a row only when the lease
// is free, expired or the holder's own.
func (s *RemindStore) Claim(ctx context.Context, name, holder string, now, until time.Time) (ok bool, err error) {
	defer s.db.track("remind.claim", time.Now(), &err)
	err = s.db.inTx(ctx, "claim lease", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, until) VALUES (?,?,?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
			WHERE leases.until < ? OR leases.holder = excluded.holder`, name, holder, millis(until), millis(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, mapError("claim lease", err)
}

// Record implements remind.Store.
func (s *RemindStore) Record(ctx context.Context, keys []string, at time.Time) (fresh []string, err error) {
	defer s.db.track("remind.record", time.Now(), &err)
	if len(keys) == 0 {
		return nil, nil
	}
	err = s.db.inTx(ctx, "record sent", func(tx *txn) error {
		fresh = fresh[:0]
		for _, key := range keys {
			res, err := tx.ExecContext(ctx, `INSERT INTO sent (key, at) VALUES (?,?) ON CONFLICT (key) DO NOTHING`, key, millis(at))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				fresh = append(fresh, key)
			}
		}
		return nil
	})
	return fresh, mapError("record sent", err)
}
