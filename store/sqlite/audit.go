package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/notify"
)

// AuditStore implements audit.Store on SQLite.
type AuditStore struct{ db *DB }

// Audit returns the audit log.
func (db *DB) Audit() *AuditStore { return &AuditStore{db: db} }

var _ audit.Store = (*AuditStore)(nil)

// Append implements audit.Store: the single writer connection serialises appends,
// so reading the last hash and inserting the next record cannot interleave.
func (s *AuditStore) Append(ctx context.Context, r audit.Record) (out audit.Record, err error) {
	defer s.db.track("audit.append", time.Now(), &err)
	err = s.db.inTx(ctx, "append audit", func(tx *txn) error {
		out, err = appendAudit(ctx, tx, r)
		return err
	})
	return out, err
}

// appendAudit chains r to the last record inside tx. The previous hash is
// sealed into r's hash but not stored again: it is the previous row's hash
// (auditColumns reads it from there), and a copy cost 70 bytes a record.
func appendAudit(ctx context.Context, tx *txn, r audit.Record) (audit.Record, error) {
	var last int64
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	r.Seq, r.PrevHash = last+1, prev
	r.Hash = r.Seal(tx.auditKey)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_id, action, unit_path, target, detail,
		prev_hash, hash) VALUES (?,?,?,?,?,?,?,'',?)`, r.Seq, millis(r.At), r.ActorID, r.Action,
		mustJSON(nonNil(r.UnitPath)), r.Target, mustJSON(r.Detail), r.Hash)
	return r, err
}

// auditColumns reads a record's previous hash from the record before it;
// records written before that change keep their own copy, which wins. A
// deleted record leaves the next one's previous hash empty, and its seal fails.
const auditColumns = `a.seq, a.at, a.actor_id, a.action, a.unit_path, a.target, a.detail,
	coalesce(nullif(a.prev_hash, ''), (SELECT p.hash FROM audit_log p WHERE p.seq = a.seq - 1), ''), a.hash`

// List implements audit.Store.
func (s *AuditStore) List(ctx context.Context, scope auth.Scope, q audit.Query) ([]audit.Record, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	where := []string{`EXISTS (SELECT 1 FROM json_each(a.unit_path) WHERE json_each.value = ?)`}
	args := []any{unitID}
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if q.Action != "" {
		add(`a.action = ?`, q.Action)
	}
	if q.ActorID != "" {
		add(`a.actor_id = ?`, q.ActorID)
	}
	if !q.From.IsZero() {
		add(`a.at >= ?`, q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		add(`a.at < ?`, q.To.UnixMilli())
	}
	if q.BeforeSeq > 0 {
		add(`a.seq < ?`, q.BeforeSeq)
	}
	return queryAll(ctx, s.db, "list audit", scanAudit, `SELECT `+auditColumns+` FROM audit_log a WHERE `+
		strings.Join(where, " AND ")+` ORDER BY a.seq DESC LIMIT `+strconv.Itoa(q.Limit), args...)
}

// Walk implements audit.Store, a page at a time so a long chain never sits in memory.
func (s *AuditStore) Walk(ctx context.Context, fn func(audit.Record) error) error {
	var after int64
	for {
		page, err := queryAll(ctx, s.db, "walk audit", scanAudit, `SELECT `+auditColumns+` FROM audit_log a
			WHERE a.seq > ? ORDER BY a.seq LIMIT 1000`, after)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
			after = r.Seq
		}
	}
}

// Head implements audit.Store.
func (s *AuditStore) Head(ctx context.Context) (audit.Record, error) {
	r, err := scanAudit(s.db.queryRow(ctx, `SELECT `+auditColumns+` FROM audit_log a ORDER BY a.seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Record{}, nil
	}
	return r, mapError("audit head", err)
}

func scanAudit(row scanner) (audit.Record, error) {
	var r audit.Record
	var at sql.NullInt64
	var path, detail string
	if err := row.Scan(&r.Seq, &at, &r.ActorID, &r.Action, &path, &r.Target, &detail, &r.PrevHash, &r.Hash); err != nil {
		return r, err
	}
	r.At = fromMillis(at)
	return r, errors.Join(json.Unmarshal([]byte(path), &r.UnitPath), json.Unmarshal([]byte(detail), &r.Detail))
}

// NotificationStore implements notify.Store on SQLite.
type NotificationStore struct{ db *DB }

// Notifications returns the notification store.
func (db *DB) Notifications() *NotificationStore { return &NotificationStore{db: db} }

var _ notify.Store = (*NotificationStore)(nil)

// InsertNotifications implements notify.Store.
func (s *NotificationStore) InsertNotifications(ctx context.Context, list []notify.Notification) error {
	return s.db.inTx(ctx, "insert notifications", func(tx *txn) error {
		return insertNotifications(ctx, tx, list)
	})
}

func insertNotifications(ctx context.Context, tx *txn, list []notify.Notification) error {
	for _, n := range list {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, entry_id, kind, message, created_at,
			read_at, form_id, unit_id, period) VALUES (?,?,?,?,?,?,NULL,?,?,?)`, n.ID, n.UserID, n.EntryID, n.Kind, n.Message,
			millis(n.CreatedAt), n.FormID, n.UnitID, n.Period); err != nil {
			return err
		}
	}
	return nil
}

// ListNotifications implements notify.Store.
func (s *NotificationStore) ListNotifications(ctx context.Context, scope auth.Scope, unreadOnly bool, limit int) ([]notify.Notification, error) {
	if scope.UserID() == "" {
		return nil, nil
	}
	return queryAll(ctx, s.db, "list notifications", scanNotification, notificationsQuery(unreadOnly), scope.UserID(), limit)
}

// notificationsQuery lists a user's notifications, newest first: by the
// table's key, or the unread ones by their own index (migration 27), so the
// badge's count does not walk a reviewer's year of read ones.
func notificationsQuery(unreadOnly bool) string {
	const columns = `SELECT id, user_id, entry_id, kind, message, created_at, read_at, form_id, unit_id, period FROM notifications`
	if unreadOnly {
		return columns + ` INDEXED BY notifications_unread WHERE user_id = ? AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`
	}
	return columns + ` WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`
}

// MarkRead implements notify.Store, in batches that stay far below SQLite's
// limit on bound variables.
func (s *NotificationStore) MarkRead(ctx context.Context, scope auth.Scope, ids []string, at time.Time) error {
	query, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{millis(at), scope.UserID()}
	if len(ids) == 0 {
		_, err := s.db.exec(ctx, query, args...)
		return mapError("mark notifications read", err)
	}
	for batch := range slices.Chunk(ids, 500) {
		_, err := s.db.exec(ctx, query+` AND id IN (`+placeholders(len(batch))+`)`,
			append(slices.Clone(args), anys(batch)...)...)
		if err != nil {
			return mapError("mark notifications read", err)
		}
	}
	return nil
}

func scanNotification(row scanner) (notify.Notification, error) {
	var n notify.Notification
	var created, read sql.NullInt64
	err := row.Scan(&n.ID, &n.UserID, &n.EntryID, &n.Kind, &n.Message, &created, &read, &n.FormID, &n.UnitID, &n.Period)
	n.CreatedAt, n.ReadAt = fromMillis(created), fromMillis(read)
	return n, err
}
