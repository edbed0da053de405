package sqlite

import (
	"context"
	"database/sql"
	"time"

	"taizhang/push"
)

// PushStore implements push.Store on SQLite.
type PushStore struct{ db *DB }

// Push returns the push subscription store.
func (db *DB) Push() *PushStore { return &PushStore{db: db} }

var _ push.Store = (*PushStore)(nil)

// SaveSubscription implements push.Store.
func (s *PushStore) SaveSubscription(ctx context.Context, sub push.Subscription) (err error) {
	defer s.db.track("push.save", time.Now(), &err)
	return mapError("save subscription", s.db.inTx(ctx, "save subscription", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) VALUES (?,?,?,?,?)
			ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth`,
			sub.Endpoint, sub.UserID, sub.P256dh, sub.Auth, millis(sub.CreatedAt))
		return err
	}))
}

// DeleteSubscription implements push.Store.
func (s *PushStore) DeleteSubscription(ctx context.Context, userID, endpoint string) (err error) {
	defer s.db.track("push.delete", time.Now(), &err)
	return s.exec(ctx, `DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?`, userID, endpoint)
}

// DropEndpoint implements push.Store.
func (s *PushStore) DropEndpoint(ctx context.Context, endpoint string) (err error) {
	defer s.db.track("push.drop", time.Now(), &err)
	return s.exec(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ?`, endpoint)
}

func (s *PushStore) exec(ctx context.Context, query string, args ...any) error {
	return mapError("push subscriptions", s.db.inTx(ctx, "push subscriptions", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}))
}

// Subscriptions implements push.Store.
func (s *PushStore) Subscriptions(ctx context.Context, userID string) (out []push.Subscription, err error) {
	defer s.db.track("push.list", time.Now(), &err)
	rows, err := s.db.readers.QueryContext(ctx, `SELECT endpoint, user_id, p256dh, auth, created_at FROM push_subscriptions
		WHERE user_id = ? ORDER BY created_at`, userID)
	if err != nil {
		return nil, mapError("list subscriptions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sub push.Subscription
		var at sql.NullInt64
		if err := rows.Scan(&sub.Endpoint, &sub.UserID, &sub.P256dh, &sub.Auth, &at); err != nil {
			return nil, mapError("list subscriptions", err)
		}
		sub.CreatedAt = fromMillis(at)
		out = append(out, sub)
	}
	return out, mapError("list subscriptions", rows.Err())
}
