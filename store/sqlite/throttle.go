package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"taizhang/auth"
)

// ThrottleStore implements auth.ThrottleStore on SQLite.
type ThrottleStore struct{ db *DB }

// Throttle returns the login throttle's store.
func (db *DB) Throttle() *ThrottleStore { return &ThrottleStore{db: db} }

var _ auth.ThrottleStore = (*ThrottleStore)(nil)

// ThrottleState implements auth.ThrottleStore.
func (s *ThrottleStore) ThrottleState(ctx context.Context, key string) (st auth.ThrottleState, err error) {
	defer s.db.track("throttle.get", time.Now(), &err)
	var locked, seen sql.NullInt64
	err = s.db.readers.QueryRowContext(ctx, `SELECT attempts, lockouts, locked_until, last_seen, version FROM throttle WHERE key = ?`, key).
		Scan(&st.Attempts, &st.Lockouts, &locked, &seen, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.ThrottleState{}, nil
	}
	st.LockedUntil, st.LastSeen = fromMillisOrZero(locked), fromMillisOrZero(seen)
	return st, mapError("get throttle", err)
}

// fromMillisOrZero reads a stored time where 0 means none.
func fromMillisOrZero(v sql.NullInt64) time.Time {
	if !v.Valid || v.Int64 == 0 {
		return time.Time{}
	}
	return fromMillis(v)
}

func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// SwapThrottleState implements auth.ThrottleStore.
func (s *ThrottleStore) SwapThrottleState(ctx context.Context, key string, prev, next auth.ThrottleState) (swapped bool, err error) {
	defer s.db.track("throttle.swap", time.Now(), &err)
	err = s.db.inTx(ctx, "swap throttle", func(tx *txn) error {
		var res sql.Result
		var err error
		if prev.Version == 0 {
			res, err = tx.ExecContext(ctx, `INSERT INTO throttle (key, attempts, lockouts, locked_until, last_seen, version)
				VALUES (?,?,?,?,?,1) ON CONFLICT (key) DO NOTHING`, key, next.Attempts, next.Lockouts, millisOrZero(next.LockedUntil), millisOrZero(next.LastSeen))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE throttle SET attempts = ?, lockouts = ?, locked_until = ?, last_seen = ?, version = version + 1
				WHERE key = ? AND version = ?`, next.Attempts, next.Lockouts, millisOrZero(next.LockedUntil), millisOrZero(next.LastSeen), key, prev.Version)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		swapped = n == 1
		return err
	})
	return swapped, mapError("swap throttle", err)
}

// ForgetThrottleStates implements auth.ThrottleStore.
func (s *ThrottleStore) ForgetThrottleStates(ctx context.Context, before time.Time) (n int, err error) {
	defer s.db.track("throttle.forget", time.Now(), &err)
	err = s.db.inTx(ctx, "forget throttle", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM throttle WHERE last_seen < ? AND locked_until < ?`, before.UnixMilli(), before.UnixMilli())
		if err != nil {
			return err
		}
		count, err := res.RowsAffected()
		n = int(count)
		return err
	})
	return n, mapError("forget throttle", err)
}
