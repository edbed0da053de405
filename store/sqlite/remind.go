package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
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

// Enqueue implements remind.Outbox.
func (s *RemindStore) Enqueue(ctx context.Context, list []remind.Delivery) (err error) {
	defer s.db.track("remind.enqueue", time.Now(), &err)
	if len(list) == 0 {
		return nil
	}
	return mapError("enqueue deliveries", s.db.inTx(ctx, "enqueue deliveries", func(tx *txn) error {
		for _, d := range list {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, channel, user_id, message, not_before, attempts)
				VALUES (?,?,?,?,?,?)`, d.ID, d.Channel, d.UserID, remind.EncodeMessage(d.Message), millis(d.NotBefore), d.Attempts); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Due implements remind.Outbox. A given-up delivery has no not_before.
func (s *RemindStore) Due(ctx context.Context, now time.Time, limit int) (out []remind.Delivery, err error) {
	defer s.db.track("remind.due", time.Now(), &err)
	rows, err := s.db.readers.QueryContext(ctx, `SELECT id, channel, user_id, message, not_before, attempts FROM deliveries
		WHERE sent_at IS NULL AND not_before IS NOT NULL AND not_before <= ? ORDER BY not_before LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, mapError("due deliveries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d remind.Delivery
		var message string
		var at sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Channel, &d.UserID, &message, &at, &d.Attempts); err != nil {
			return nil, mapError("due deliveries", err)
		}
		d.Message, d.NotBefore = remind.DecodeMessage(message), fromMillis(at)
		out = append(out, d)
	}
	return out, mapError("due deliveries", rows.Err())
}

// Sent implements remind.Outbox.
func (s *RemindStore) Sent(ctx context.Context, id string, at time.Time) (err error) {
	defer s.db.track("remind.sent", time.Now(), &err)
	return mapError("delivery sent", s.db.inTx(ctx, "delivery sent", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET sent_at = ? WHERE id = ?`, millis(at), id)
		return err
	}))
}

// Retry implements remind.Outbox.
func (s *RemindStore) Retry(ctx context.Context, id string, attempts int, next time.Time, reason string) (err error) {
	defer s.db.track("remind.retry", time.Now(), &err)
	return mapError("delivery retry", s.db.inTx(ctx, "delivery retry", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET attempts = ?, not_before = ?, last_error = ? WHERE id = ?`,
			attempts, millis(next), reason, id)
		return err
	}))
}

// UnitRobots implements remind.Robots.
func (s *RemindStore) UnitRobots(ctx context.Context, unitIDs []string) (out map[string][]remind.Robot, err error) {
	defer s.db.track("remind.robots", time.Now(), &err)
	out = map[string][]remind.Robot{}
	for batch := range slices.Chunk(unitIDs, 500) {
		rows, err := s.db.readers.QueryContext(ctx, `SELECT unit_id, robots FROM unit_robots WHERE unit_id IN (`+
			placeholders(len(batch))+`)`, anys(batch)...)
		if err != nil {
			return nil, mapError("unit robots", err)
		}
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return nil, mapError("unit robots", err)
			}
			var list []remind.Robot
			_ = json.Unmarshal([]byte(raw), &list)
			out[id] = list
		}
		rows.Close()
	}
	return out, nil
}

// SetUnitRobots implements remind.Robots.
func (s *RemindStore) SetUnitRobots(ctx context.Context, unitID string, robots []remind.Robot) (err error) {
	defer s.db.track("remind.set_robots", time.Now(), &err)
	return mapError("set unit robots", s.db.inTx(ctx, "set unit robots", func(tx *txn) error {
		if len(robots) == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM unit_robots WHERE unit_id = ?`, unitID)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO unit_robots (unit_id, robots) VALUES (?,?)
			ON CONFLICT (unit_id) DO UPDATE SET robots = excluded.robots`, unitID, mustJSON(robots))
		return err
	}))
}

// MemberIDs implements remind.Members.
func (s *RemindStore) MemberIDs(ctx context.Context, platform string, userIDs []string) (out map[string]string, err error) {
	defer s.db.track("remind.members", time.Now(), &err)
	out = map[string]string{}
	for batch := range slices.Chunk(userIDs, 500) {
		args := []any{platform}
		for _, id := range batch {
			args = append(args, id)
		}
		rows, err := s.db.readers.QueryContext(ctx, `SELECT user_id, member_id FROM platform_members WHERE platform = ? AND user_id IN (`+
			placeholders(len(batch))+`)`, args...)
		if err != nil {
			return nil, mapError("platform members", err)
		}
		for rows.Next() {
			var user, member string
			if err := rows.Scan(&user, &member); err != nil {
				rows.Close()
				return nil, mapError("platform members", err)
			}
			out[user] = member
		}
		rows.Close()
	}
	return out, nil
}

// SetMemberID implements remind.Members.
func (s *RemindStore) SetMemberID(ctx context.Context, platform, userID, memberID string) (err error) {
	defer s.db.track("remind.set_member", time.Now(), &err)
	return mapError("set platform member", s.db.inTx(ctx, "set platform member", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO platform_members (platform, user_id, member_id) VALUES (?,?,?)
			ON CONFLICT (platform, user_id) DO UPDATE SET member_id = excluded.member_id`, platform, userID, memberID)
		return err
	}))
}

// UserOfMember implements remind.Members.
func (s *RemindStore) UserOfMember(ctx context.Context, platform, memberID string) (user string, err error) {
	defer s.db.track("remind.user_of_member", time.Now(), &err)
	err = s.db.queryRow(ctx, `SELECT user_id FROM platform_members WHERE platform = ? AND member_id = ? LIMIT 1`, platform, memberID).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return user, mapError("user of member", err)
}
