package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/signals"
)

// SignalIndex implements signals.Index: the prints of submitted entries.
type SignalIndex struct{ db *DB }

// Signals returns the signals index.
func (db *DB) Signals() *SignalIndex { return &SignalIndex{db: db} }

var _ signals.Index = (*SignalIndex)(nil)

// writePrints replaces an entry's prints, in its own transaction.
func writePrints(ctx context.Context, tx *txn, p *signals.Prints) error {
	if p == nil {
		return nil
	}
	for _, table := range []string{"photo_prints", "photo_bands"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE entry_id = ?`, p.EntryID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM text_bands WHERE form_id = ? AND entry_id = ?`, p.FormID, p.EntryID); err != nil {
		return err
	}
	for _, photo := range p.Photos {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO photo_prints (entry_id, attachment_id, unit_id, at, sha256, print) VALUES (?,?,?,?,?,?)`,
			p.EntryID, photo.AttachmentID, p.UnitID, p.At.UnixMilli(), photo.SHA256, mustJSON(photo.Print)); err != nil {
			return err
		}
		if err := insertKeys(ctx, tx, `INSERT OR IGNORE INTO photo_bands (key, entry_id, attachment_id) VALUES `, "(?,?,?)", photo.Keys,
			func(k int64) []any { return []any{k, p.EntryID, photo.AttachmentID} }); err != nil {
			return err
		}
	}
	return insertKeys(ctx, tx, `INSERT OR IGNORE INTO text_bands (form_id, key, entry_id) VALUES `, "(?,?,?)", p.TextKeys,
		func(k int64) []any { return []any{p.FormID, k, p.EntryID} })
}

func insertKeys(ctx context.Context, tx *txn, head, row string, keys []int64, args func(int64) []any) error {
	if len(keys) == 0 {
		return nil
	}
	var all []any
	for _, k := range keys {
		all = append(all, args(k)...)
	}
	_, err := tx.ExecContext(ctx, head+strings.TrimSuffix(strings.Repeat(row+",", len(keys)), ","), all...)
	return err
}

// PhotoCandidates implements signals.Index.
func (s *SignalIndex) PhotoCandidates(ctx context.Context, _ auth.Scope, keys []int64, shas []string, exclude string) (out []signals.PhotoHit, err error) {
	defer s.db.track("signals.photos", time.Now(), &err)
	if len(keys) == 0 && len(shas) == 0 {
		return nil, nil
	}
	// Two index lookups, not one OR (which would scan the table): band keys,
	// then the same bytes.
	var args []any
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, exclude)
	for _, sha := range shas {
		args = append(args, sha)
	}
	args = append(args, exclude)
	const columns = `p.entry_id, p.unit_id, p.attachment_id, p.sha256, p.at, p.print`
	query := `SELECT ` + columns + ` FROM photo_bands b JOIN photo_prints p ON p.entry_id = b.entry_id AND p.attachment_id = b.attachment_id
		WHERE b.key IN (` + placeholders(len(keys)) + `) AND b.entry_id <> ?
		UNION SELECT ` + columns + ` FROM photo_prints p WHERE p.sha256 IN (` + placeholders(len(shas)) + `) AND p.entry_id <> ? LIMIT 200`
	return queryAll(ctx, s.db, "photo candidates", func(row scanner) (signals.PhotoHit, error) {
		var h signals.PhotoHit
		var at int64
		var print string
		err := row.Scan(&h.EntryID, &h.UnitID, &h.AttachmentID, &h.SHA256, &at, &print)
		h.At = time.UnixMilli(at).UTC()
		return h, errors.Join(err, unmarshalIfAny(print, &h.Print))
	}, query, args...)
}

// TextCandidates implements signals.Index; the entries table says whose they are.
func (s *SignalIndex) TextCandidates(ctx context.Context, _ auth.Scope, formID string, keys []int64, exclude string) (out []signals.TextHit, err error) {
	defer s.db.track("signals.texts", time.Now(), &err)
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{formID}
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, exclude)
	query := `SELECT e.id, e.unit_id, e.author_id, e.period, coalesce(e.submitted_at, e.created_at) FROM entries e
		WHERE e.id IN (SELECT entry_id FROM text_bands WHERE form_id = ? AND key IN (` + placeholders(len(keys)) + `)) AND e.id <> ? LIMIT 200`
	return queryAll(ctx, s.db, "text candidates", func(row scanner) (signals.TextHit, error) {
		var h signals.TextHit
		var at sql.NullInt64
		err := row.Scan(&h.EntryID, &h.UnitID, &h.AuthorID, &h.Period, &at)
		h.At = fromMillis(at)
		return h, err
	}, query, args...)
}

// placeholders is "?,?,…" n times; "NULL" for none (IN (NULL) matches nothing).
func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
