package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
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
// key: its photos' bands from their stored prints, its text's from its keys
// (nothing for an entry's first prints).
func writePrints(ctx context.Context, tx *txn, p *signals.Prints) error {
	if p == nil {
		return nil
	}
	if !p.First {
		if err := removePrints(ctx, tx, p); err != nil {
			return err
		}
	}
	var prints, bands []any
	for _, photo := range p.Photos {
		prints = append(prints, p.EntryID, photo.AttachmentID, p.UnitID, p.At.UnixMilli(), photo.SHA256, mustJSON(photo.Print))
		for _, b := range photo.Bands {
			bands = append(bands, b.Key, int64(b.Hash), p.EntryID, photo.AttachmentID)
		}
	}
	if err := insertRows(ctx, tx, `INSERT OR IGNORE INTO photo_prints (entry_id, attachment_id, unit_id, at, sha256, print) VALUES `, 6, prints); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, `INSERT OR IGNORE INTO photo_bands (key, hash, entry_id, attachment_id) VALUES `, 4, bands); err != nil {
		return err
	}
	return writeTextPrint(ctx, tx, p.EntryID, p.TextKeys)
}

// writeTextPrint stores a text's band keys under a small number of its own,
// which the band rows name instead of the entry: eight band rows an entry
// are most of what its text costs, and a number is 3 bytes against an id's 24.
func writeTextPrint(ctx context.Context, tx *txn, entryID string, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	var num int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO text_prints (entry_id, keys) VALUES (?, ?) RETURNING num`,
		entryID, packBandKeys(keys)).Scan(&num); err != nil {
		return err
	}
	bands := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		bands = append(bands, storedBandKey(k), num)
	}
	return insertRows(ctx, tx, `INSERT OR IGNORE INTO text_bands (key, num) VALUES `, 2, bands)
}

// insertRows runs one multi-row INSERT of args, row values a row; none is nothing.
func insertRows(ctx context.Context, tx *txn, head string, row int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, head+tuples(len(args)/row, row), args...)
	return err
}

// storedBandKey keeps the low 32 bits of a text band key, which SQLite stores
// in 4 bytes instead of 8. The few extra candidates this lets through among
// millions of texts are checked exactly like every other.
func storedBandKey(k int64) int64 { return int64(int32(k)) }

// packBandKeys is the keys as 4-byte big-endian stored keys (32 bytes for
// eight, against ~170 for their JSON, which rows written before migration 20 hold).
func packBandKeys(keys []int64) []byte {
	out := make([]byte, 4*len(keys))
	for i, k := range keys {
		binary.BigEndian.PutUint32(out[4*i:], uint32(storedBandKey(k)))
	}
	return out
}

// unpackBandKeys reads either form of a text_prints row's keys as stored keys.
func unpackBandKeys(raw any) ([]int64, error) {
	var keys []int64
	switch v := raw.(type) {
	case []byte:
		for i := 0; i+4 <= len(v); i += 4 {
			keys = append(keys, int64(int32(binary.BigEndian.Uint32(v[i:]))))
		}
	case string:
		if err := json.Unmarshal([]byte(v), &keys); err != nil {
			return nil, err
		}
		for i, k := range keys {
			keys[i] = storedBandKey(k)
		}
	}
	return keys, nil
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
	var keys []any
	for _, print := range old {
		for _, b := range signals.Bands(print) {
			keys = append(keys, b.Key)
		}
	}
	if len(keys) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM photo_bands WHERE key IN (`+placeholders(len(keys))+`) AND entry_id = ?`,
			append(keys, p.EntryID)...); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM photo_prints WHERE entry_id = ?`, p.EntryID); err != nil {
		return err
	}
	return removeTextPrint(ctx, tx, p.EntryID)
}

func removeTextPrint(ctx context.Context, tx *txn, entryID string) error {
	var num int64
	var raw any
	err := tx.QueryRowContext(ctx, `SELECT num, keys FROM text_prints WHERE entry_id = ?`, entryID).Scan(&num, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	keys, err := unpackBandKeys(raw)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM text_bands WHERE key IN (`+placeholders(len(keys))+`) AND num = ?`,
		append(anys(keys), num)...); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM text_prints WHERE num = ?`, num)
	return err
}

// SignalsDue implements entries.Store.
func (s *EntryStore) SignalsDue(ctx context.Context, _ auth.Scope, limit int) ([]entries.Entry, error) {
	return queryAll(ctx, s.db, "signals due", scanEntry,
		`SELECT `+entryColumns+` FROM entries e WHERE e.signals_due = 1 ORDER BY e.id LIMIT ?`, limit)
}

// SetSignals implements entries.Store: the entry's row changes only if it
// is still at rev and due, and only then are the effects written.
func (s *EntryStore) SetSignals(ctx context.Context, _ auth.Scope, id string, rev int, list []signals.Signal, fx entries.Effects) (set bool, err error) {
	defer s.db.track("entries.signals", time.Now(), &err)
	err = s.db.inTx(ctx, "set signals", func(tx *txn) error {
		set = false // a second run (inTx) says afresh
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
	matched, err := s.nearPhotos(ctx, keys, near, exclude)
	if err != nil {
		return nil, err
	}
	// Two index lookups joined by UNION, not one OR (which would scan), each
	// bounded: a photo filed ten thousand times must not read ten thousand rows.
	limit := strconv.Itoa(signals.MaxPhotoCandidates)
	const columns = `SELECT entry_id, unit_id, attachment_id, sha256, at, print FROM photo_prints WHERE `
	var parts []string
	var args []any
	if len(matched) > 0 {
		parts = append(parts, `SELECT * FROM (`+columns+`(entry_id, attachment_id) IN (VALUES `+tuples(len(matched), 2)+`))`)
		for _, p := range matched {
			args = append(args, p.entry, p.attachment)
		}
	}
	if len(shas) > 0 {
		parts = append(parts, `SELECT * FROM (`+columns+`sha256 IN (`+placeholders(len(shas))+`) AND entry_id <> ? LIMIT `+limit+`)`)
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
	}, strings.Join(parts, " UNION ")+` LIMIT `+limit, args...)
}

type photoRef struct{ entry, attachment string }

// nearPhotos reads the band rows sharing a probe key, earliest entries first,
// until MaxPhotoCandidates photos are near: the rest is not needed, and
// binding thousands of them into the next query failed outright (SQLite
// takes at most 32,766 parameters).
func (s *SignalIndex) nearPhotos(ctx context.Context, keys []int64, near func(uint64) bool, exclude string) ([]photoRef, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := s.db.query(ctx, `SELECT hash, entry_id, attachment_id FROM photo_bands WHERE key IN (`+placeholders(len(keys))+`)`, anys(keys)...)
	if err != nil {
		return nil, mapError("photo bands", err)
	}
	defer rows.Close()
	var matched []photoRef
	seen := map[photoRef]bool{}
	for len(matched) < signals.MaxPhotoCandidates && rows.Next() {
		var hash int64
		var p photoRef
		if err := rows.Scan(&hash, &p.entry, &p.attachment); err != nil {
			return nil, mapError("photo bands", err)
		}
		if p.entry != exclude && !seen[p] && near(uint64(hash)) {
			seen[p] = true
			matched = append(matched, p)
		}
	}
	return matched, mapError("photo bands", rows.Err())
}

// TextCandidates implements signals.Index; the entries table says whose they are.
func (s *SignalIndex) TextCandidates(ctx context.Context, _ auth.Scope, formID string, keys []int64, exclude string) (out []signals.TextHit, err error) {
	defer s.db.track("signals.texts", time.Now(), &err)
	if len(keys) == 0 {
		return nil, nil
	}
	var args []any
	for _, k := range keys {
		args = append(args, storedBandKey(k))
	}
	args = append(args, formID, exclude)
	// The band rows are of every form (the form in each would double its
	// size); the entry says whether it is of this one. The loop runs from the
	// bands (CROSS JOIN fixes the order) and stops at the limit: a text copied
	// ten thousand times was checked against every copy's band rows, 68 ms a
	// check (BenchmarkTextCheck/many-copies), before the limit applied.
	query := `SELECT DISTINCT e.id, e.unit_id, e.author_id, e.period, coalesce(e.submitted_at, e.created_at)
		FROM text_bands b CROSS JOIN text_prints p CROSS JOIN entries e
		WHERE b.key IN (` + placeholders(len(keys)) + `) AND p.num = b.num AND e.id = p.entry_id
		AND e.form_id = ? AND e.id <> ? LIMIT ` + strconv.Itoa(signals.MaxTextCandidates)
	return queryAll(ctx, s.db, "text candidates", func(row scanner) (signals.TextHit, error) {
		var h signals.TextHit
		var at sql.NullInt64
		err := row.Scan(&h.EntryID, &h.UnitID, &h.AuthorID, &h.Period, &at)
		h.At = fromMillis(at)
		return h, err
	}, query, args...)
}

// anys is a list as query arguments.
func anys[T any](list []T) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

// tuples is "(?,?),(?,?),…": n rows of width placeholders each.
func tuples(n, width int) string {
	return strings.TrimSuffix(strings.Repeat("("+placeholders(width)+"),", n), ",")
}

// placeholders is "?,?,…" n times; "NULL" for none (IN (NULL) matches nothing).
func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
