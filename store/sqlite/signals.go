package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/signals"
)

// SignalIndex implements signals.Index: the prints of submitted entries.
type SignalIndex struct{ db *DB }

// Signals returns the signals index.
func (db *DB) Signals() *SignalIndex { return &SignalIndex{db: db} }

var _ signals.Index = (*SignalIndex)(nil)

// writePrints replaces an entry's prints in its own transaction, in a few
// multi-row statements (the committer runs every write of the store). What
// the entry had (a re-check after a resubmission) goes first, by primary
// key: its photos' bands from their stored prints, its text's from its keys.
func writePrints(ctx context.Context, tx *txn, p *signals.Prints) error {
	if p == nil {
		return nil
	}
	if err := removePrints(ctx, tx, p); err != nil {
		return err
	}
	var prints, bands []any
	for _, photo := range p.Photos {
		prints = append(prints, p.EntryID, photo.AttachmentID, p.UnitID, p.At.UnixMilli(), photo.SHA256, mustJSON(photo.Print))
		for _, b := range photo.Bands {
			bands = append(bands, b.Key, int64(b.Hash), p.EntryID, photo.AttachmentID)
		}
	}
	var texts, textPrint []any
	for _, k := range p.TextKeys {
		texts = append(texts, p.FormID, k, p.EntryID)
	}
	if len(p.TextKeys) > 0 {
		textPrint = []any{p.EntryID, p.FormID, mustJSON(p.TextKeys)}
	}
	for _, insert := range []struct {
		head string
		row  int // values per row
		args []any
	}{
		{`INSERT OR IGNORE INTO photo_prints (entry_id, attachment_id, unit_id, at, sha256, print) VALUES `, 6, prints},
		{`INSERT OR IGNORE INTO photo_bands (key, hash, entry_id, attachment_id) VALUES `, 4, bands},
		{`INSERT OR IGNORE INTO text_bands (form_id, key, entry_id) VALUES `, 3, texts},
		{`INSERT OR REPLACE INTO text_prints (entry_id, form_id, keys) VALUES `, 3, textPrint},
	} {
		if len(insert.args) == 0 {
			continue
		}
		row := "(" + placeholders(insert.row) + "),"
		if _, err := tx.ExecContext(ctx, insert.head+strings.TrimSuffix(strings.Repeat(row, len(insert.args)/insert.row), ","), insert.args...); err != nil {
			return err
		}
	}
	return nil
}

func removePrints(ctx context.Context, tx *txn, p *signals.Prints) error {
	rows, err := tx.QueryContext(ctx, `SELECT print FROM photo_prints WHERE entry_id = ?`, p.EntryID)
	if err != nil {
		return err
	}
	var old [][]uint64
	for rows.Next() {
		var raw string
		var print []uint64
		if err := rows.Scan(&raw); err == nil && unmarshalIfAny(raw, &print) == nil {
			old = append(old, print)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, print := range old {
		for _, b := range signals.Bands(print) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM photo_bands WHERE key = ? AND entry_id = ?`, b.Key, p.EntryID); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM photo_prints WHERE entry_id = ?`, p.EntryID); err != nil {
		return err
	}
	var formID, keys string
	err = tx.QueryRowContext(ctx, `SELECT form_id, keys FROM text_prints WHERE entry_id = ?`, p.EntryID).Scan(&formID, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	var oldKeys []int64
	if err := errors.Join(err, unmarshalIfAny(keys, &oldKeys)); err != nil {
		return err
	}
	for _, k := range oldKeys {
		if _, err := tx.ExecContext(ctx, `DELETE FROM text_bands WHERE form_id = ? AND key = ? AND entry_id = ?`, formID, k, p.EntryID); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM text_prints WHERE entry_id = ?`, p.EntryID)
	return err
}

// SignalsDue implements entries.Store.
func (s *EntryStore) SignalsDue(ctx context.Context, _ auth.Scope, limit int) ([]string, error) {
	return queryAll(ctx, s.db, "signals due", func(row scanner) (string, error) {
		var id string
		return id, row.Scan(&id)
	}, `SELECT id FROM entries WHERE signals_due = 1 ORDER BY id LIMIT ?`, limit)
}

// SetSignals implements entries.Store: the entry's row changes only if it
// is still at rev and due, and only then are the effects written.
func (s *EntryStore) SetSignals(ctx context.Context, _ auth.Scope, id string, rev int, list []signals.Signal, fx entries.Effects) (set bool, err error) {
	defer s.db.track("entries.signals", time.Now(), &err)
	err = s.db.inTx(ctx, "set signals", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE entries SET signals = ?, signals_due = 0 WHERE id = ? AND rev = ? AND signals_due = 1`,
			jsonOrEmpty(list), id, rev)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		set = true
		s.db.listCache.forget(listKey{id, rev})
		return writeEffects(ctx, tx, []entries.Effects{fx})
	})
	return set, mapError("set signals", err)
}

// PhotoCandidates implements signals.Index: the band rows first (each holds
// its whole hash, so near rules a row in or out without a join), then the
// few photos they name and those with the same bytes.
func (s *SignalIndex) PhotoCandidates(ctx context.Context, _ auth.Scope, keys []int64, near func(uint64) bool, shas []string,
	exclude string) (out []signals.PhotoHit, err error) {
	defer s.db.track("signals.photos", time.Now(), &err)
	type pair struct{ entry, attachment string }
	var matched []pair
	if len(keys) > 0 {
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k
		}
		bands, err := queryAll(ctx, s.db, "photo bands", func(row scanner) (signals.PhotoHit, error) {
			var h signals.PhotoHit
			var hash int64
			err := row.Scan(&hash, &h.EntryID, &h.AttachmentID)
			h.Print = []uint64{uint64(hash)}
			return h, err
		}, `SELECT hash, entry_id, attachment_id FROM photo_bands WHERE key IN (`+placeholders(len(keys))+`)`, args...)
		if err != nil {
			return nil, err
		}
		seen := map[pair]bool{}
		for _, b := range bands {
			p := pair{b.EntryID, b.AttachmentID}
			if b.EntryID != exclude && !seen[p] && near(b.Print[0]) {
				seen[p] = true
				matched = append(matched, p)
			}
		}
	}
	// Two index lookups joined by UNION, not one OR (which would scan).
	const columns = `SELECT entry_id, unit_id, attachment_id, sha256, at, print FROM photo_prints WHERE `
	var parts []string
	var args []any
	if len(matched) > 0 {
		parts = append(parts, columns+`(entry_id, attachment_id) IN (VALUES `+strings.TrimSuffix(strings.Repeat("(?,?),", len(matched)), ",")+`)`)
		for _, p := range matched {
			args = append(args, p.entry, p.attachment)
		}
	}
	if len(shas) > 0 {
		parts = append(parts, columns+`sha256 IN (`+placeholders(len(shas))+`) AND entry_id <> ?`)
		for _, sha := range shas {
			args = append(args, sha)
		}
		args = append(args, exclude)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return queryAll(ctx, s.db, "photo candidates", func(row scanner) (signals.PhotoHit, error) {
		var h signals.PhotoHit
		var at int64
		var print string
		err := row.Scan(&h.EntryID, &h.UnitID, &h.AttachmentID, &h.SHA256, &at, &print)
		h.At = time.UnixMilli(at).UTC()
		return h, errors.Join(err, unmarshalIfAny(print, &h.Print))
	}, strings.Join(parts, " UNION ")+` LIMIT 200`, args...)
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
		WHERE e.id IN (SELECT entry_id FROM text_bands WHERE form_id = ? AND key IN (` + placeholders(len(keys)) + `)) AND e.id <> ? LIMIT ` + strconv.Itoa(signals.MaxTextCandidates)
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
