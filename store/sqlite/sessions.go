package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"taizhang/errs"
	"taizhang/session"
)

// SessionStore implements session.Store on SQLite.
type SessionStore struct{ db *DB }

// Sessions returns the refresh token store.
func (db *DB) Sessions() *SessionStore { return &SessionStore{db: db} }

var _ session.Store = (*SessionStore)(nil)

// InsertRefresh implements session.Store.
func (s *SessionStore) InsertRefresh(ctx context.Context, t session.RefreshToken) (err error) {
	defer s.db.track("sessions.insert", time.Now(), &err)
	_, err = s.db.exec(ctx, `INSERT INTO refresh_tokens (hash, family_id, user_id, auth_version,
		created_at, expires_at, used, revoked) VALUES (?,?,?,?,?,?,?,?)`, t.Hash, t.FamilyID, t.UserID, t.AuthVersion,
		millis(t.CreatedAt), millis(t.ExpiresAt), t.Used, t.Revoked)
	return mapError("insert refresh token", err)
}

// RefreshByHash implements session.Store.
func (s *SessionStore) RefreshByHash(ctx context.Context, hash string) (t session.RefreshToken, err error) {
	defer s.db.track("sessions.get", time.Now(), &err)
	var created, expires sql.NullInt64
	err = s.db.queryRow(ctx, `SELECT hash, family_id, user_id, auth_version, created_at, expires_at,
		used, revoked FROM refresh_tokens WHERE hash = ?`, hash).Scan(&t.Hash, &t.FamilyID, &t.UserID, &t.AuthVersion,
		&created, &expires, &t.Used, &t.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.New(errs.NotFound, "refresh token not found")
	}
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	return t, mapError("get refresh token", err)
}

// UseRefresh implements session.Store.
func (s *SessionStore) UseRefresh(ctx context.Context, hash string) (err error) {
	defer s.db.track("sessions.use", time.Now(), &err)
	res, err := s.db.exec(ctx, `UPDATE refresh_tokens SET used = 1 WHERE hash = ? AND used = 0 AND revoked = 0`, hash)
	if err != nil {
		return mapError("use refresh token", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.Conflict, "refresh token already used")
	}
	return nil
}

// RevokeFamily implements session.Store.
func (s *SessionStore) RevokeFamily(ctx context.Context, familyID string) (err error) {
	defer s.db.track("sessions.revoke", time.Now(), &err)
	_, err = s.db.exec(ctx, `UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?`, familyID)
	return mapError("revoke refresh family", err)
}
