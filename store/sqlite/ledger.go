package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ledger"
)

// LedgerStore implements ledger.Store on SQLite.
type LedgerStore struct{ db *DB }

// Ledger returns the obligation ledger and entry counts.
func (db *DB) Ledger() *LedgerStore { return &LedgerStore{db: db} }

var _ ledger.Store = (*LedgerStore)(nil)

// pathKey is how a unit path is stored in the ledger's tables: "/a/b/c/", so
// that a subtree is the range of keys starting with its root's key.
func pathKey(path []string) string { return "/" + strings.Join(path, "/") + "/" }

func pathOfKey(key string) []string { return strings.Split(strings.Trim(key, "/"), "/") }

// subtreeRange is the key range of a subtree: [prefix, prefix+"\xff").
func subtreeRange(prefix string) (from, to string) { return prefix, prefix + "\xff" }

// scopePrefix is the path key of the scope's unit, or of unitID when given
// (which must lie in the scope); ok false means nothing is visible.
func (s *LedgerStore) scopePrefix(ctx context.Context, scope auth.Scope, unitID string) (string, bool, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return "", false, nil
	}
	if unitID == "" {
		unitID = scopeUnit
	}
	var raw string
	err := s.db.queryRow(ctx, `SELECT path FROM units WHERE id = ?`, unitID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, mapError("read unit path", err)
	}
	var path []string
	if err := json.Unmarshal([]byte(raw), &path); err != nil {
		return "", false, err
	}
	for _, id := range path {
		if id == scopeUnit {
			return pathKey(path), true, nil
		}
	}
	return "", false, nil // outside the scope: nothing
}

// Materialize implements ledger.Store.
func (s *LedgerStore) Materialize(ctx context.Context, formID, period string, owed []ledger.Obligation) (err error) {
	defer s.db.track("ledger.materialize", time.Now(), &err)
	return s.db.inTx(ctx, "materialize round", func(tx *txn) error {
		for _, o := range owed {
			_, err := tx.ExecContext(ctx, `INSERT INTO obligations (form_id, period, unit_id, unit_path, due_at, owed)
				VALUES (?,?,?,?,?,1) ON CONFLICT (form_id, period, unit_id) DO UPDATE SET owed = 1, due_at = excluded.due_at`,
				o.FormID, o.Period, o.UnitID, pathKey(o.UnitPath), millis(o.DueAt))
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO ledger_rounds (form_id, period, materialized_at) VALUES (?,?,?)`,
			formID, period, time.Now().UnixMilli())
		return err
	})
}

// Materialized implements ledger.Store.
func (s *LedgerStore) Materialized(ctx context.Context, formID string) (map[string]bool, error) {
	scan := func(row scanner) (p string, err error) { return p, row.Scan(&p) }
	list, err := queryAll(ctx, s.db, "materialized rounds", scan, `SELECT period FROM ledger_rounds WHERE form_id = ?`, formID)
	out := make(map[string]bool, len(list))
	for _, p := range list {
		out[p] = true
	}
	return out, err
}

const obligationColumns = `o.form_id, o.period, o.unit_id, o.unit_path, o.due_at, o.owed, o.entry_id, o.first_submitted_at, o.exemption`

// Obligations implements ledger.Store: one range of the (form, path) index.
func (s *LedgerStore) Obligations(ctx context.Context, scope auth.Scope, q ledger.ObligationQuery) (list []ledger.Obligation, err error) {
	defer s.db.track("ledger.obligations", time.Now(), &err)
	prefix, ok, err := s.scopePrefix(ctx, scope, q.UnitID)
	if !ok || err != nil {
		return nil, err
	}
	from, to := subtreeRange(prefix)
	where, args := `o.form_id = ? AND o.unit_path >= ? AND o.unit_path < ?`, []any{q.FormID, from, to}
	if q.OwnOnly {
		where, args = `o.form_id = ? AND o.unit_path = ?`, []any{q.FormID, prefix}
	}
	where, args = andIn(where, args, "o.period", q.Periods)
	where, args = andIn(where, args, "o.unit_id", q.UnitIDs)
	return queryAll(ctx, s.db, "list obligations", scanObligation, `SELECT `+obligationColumns+` FROM obligations o WHERE `+where, args...)
}

// andIn adds "AND column IN (values)" to a query's conditions, when there are values.
func andIn(where string, args []any, column string, values []string) (string, []any) {
	if len(values) == 0 {
		return where, args
	}
	where += ` AND ` + column + ` IN (` + placeholders(len(values)) + `)`
	for _, v := range values {
		args = append(args, v)
	}
	return where, args
}

// RoundCounts implements ledger.Store: ledger.CountRounds in SQL, the status
// computed as Obligation.Status does (the contract suite holds them equal).
func (s *LedgerStore) RoundCounts(ctx context.Context, scope auth.Scope, q ledger.ObligationQuery, now time.Time) (list []ledger.RoundCount, err error) {
	defer s.db.track("ledger.round_counts", time.Now(), &err)
	prefix, ok, err := s.scopePrefix(ctx, scope, q.UnitID)
	if !ok || err != nil {
		return nil, err
	}
	from, to := subtreeRange(prefix)
	own := pathOfKey(prefix)
	where, args := `o.form_id = ? AND o.unit_path >= ? AND o.unit_path < ? AND o.owed = 1`, []any{q.FormID, from, to}
	where, args = andIn(where, args, "o.period", q.Periods)
	where, args = andIn(where, args, "o.unit_id", q.UnitIDs)
	rest := len(prefix) + 1 // where the path goes on below the asked unit
	args = append([]any{rest, rest, millis(now)}, args...)
	scan := func(row scanner) (ledger.RoundCount, error) {
		var c ledger.RoundCount
		err := row.Scan(&c.UnitID, &c.Period, &c.Status, &c.N, &c.Deeper)
		if c.UnitID == "" {
			c.UnitID, c.Deeper = own[len(own)-1], false
		}
		return c, err
	}
	return queryAll(ctx, s.db, "count rounds", scan, `SELECT child, period, status, count(*), max(unit_id != child)
		FROM (SELECT o.period, o.unit_id,
				substr(substr(o.unit_path, ?), 1, instr(substr(o.unit_path, ?), '/') - 1) AS child,
				CASE WHEN o.exemption != '' THEN '`+ledger.Exempted+`'
					WHEN o.first_submitted_at IS NOT NULL AND o.first_submitted_at <= o.due_at THEN '`+ledger.OnTime+`'
					WHEN o.first_submitted_at IS NOT NULL THEN '`+ledger.Late+`'
					WHEN ? > o.due_at THEN '`+ledger.Missing+`'
					ELSE '`+ledger.Pending+`' END AS status
			FROM obligations o WHERE `+where+`)
		GROUP BY child, period, status`, args...)
}

func scanObligation(row scanner) (ledger.Obligation, error) {
	var o ledger.Obligation
	var path, exemption string
	var due int64
	var first sql.NullInt64
	if err := row.Scan(&o.FormID, &o.Period, &o.UnitID, &path, &due, &o.Owed, &o.EntryID, &first, &exemption); err != nil {
		return o, err
	}
	o.UnitPath, o.DueAt, o.FirstSubmittedAt = pathOfKey(path), fromMillis(sql.NullInt64{Int64: due, Valid: true}), fromMillis(first)
	if exemption != "" {
		o.Exemption = &ledger.Exemption{}
		if err := json.Unmarshal([]byte(exemption), o.Exemption); err != nil {
			return o, err
		}
	}
	return o, nil
}

// Exempt implements ledger.Store.
func (s *LedgerStore) Exempt(ctx context.Context, scope auth.Scope, formID, period, unitID string, ex ledger.Exemption) (err error) {
	defer s.db.track("ledger.exempt", time.Now(), &err)
	prefix, ok, err := s.scopePrefix(ctx, scope, unitID)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.NotFound, "该单位不存在或不在管理范围内")
	}
	var changed int64
	err = s.db.inTx(ctx, "exempt", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE obligations SET exemption_id = ?, exemption = ?
			WHERE form_id = ? AND period = ? AND unit_id = ? AND unit_path = ? AND owed = 1 AND exemption_id = ''`,
			ex.ID, mustJSON(ex), formID, period, unitID, prefix)
		if err == nil {
			changed, _ = res.RowsAffected()
		}
		return err
	})
	if err != nil || changed == 1 {
		return mapError("exempt", err)
	}
	return errs.New(errs.Conflict, "这一期已经免报过")
}

// Unexempt implements ledger.Store.
func (s *LedgerStore) Unexempt(ctx context.Context, scope auth.Scope, exemptionID string) (o ledger.Obligation, err error) {
	defer s.db.track("ledger.unexempt", time.Now(), &err)
	o, err = scanObligation(s.db.queryRow(ctx, `SELECT `+obligationColumns+` FROM obligations o WHERE o.exemption_id = ?`, exemptionID))
	notFound := errs.New(errs.NotFound, "免报记录不存在")
	if errors.Is(err, sql.ErrNoRows) || err == nil && !pathInScope(scope, o.UnitPath) {
		return o, notFound
	}
	if err != nil {
		return o, mapError("read exemption", err)
	}
	err = s.db.inTx(ctx, "unexempt", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE obligations SET exemption_id = '', exemption = '' WHERE exemption_id = ?`, exemptionID)
		return err
	})
	o.Exemption = nil
	return o, mapError("unexempt", err)
}

func pathInScope(scope auth.Scope, path []string) bool {
	unitID, ok := scope.UnitID()
	if !ok {
		return false
	}
	for _, id := range path {
		if id == unitID {
			return true
		}
	}
	return false
}

// Counts implements ledger.Store.
func (s *LedgerStore) Counts(ctx context.Context, scope auth.Scope, q ledger.CountQuery) (list []ledger.Count, err error) {
	defer s.db.track("ledger.counts", time.Now(), &err)
	prefix, ok, err := s.scopePrefix(ctx, scope, q.UnitID)
	if !ok || err != nil {
		return nil, err
	}
	from, to := subtreeRange(prefix)
	if q.ByChild {
		return s.countsByChild(ctx, q.FormID, prefix)
	}
	return queryAll(ctx, s.db, "list counts", scanCount, `SELECT `+countColumns+` FROM entry_counts c
		WHERE c.form_id = ? AND c.unit_path >= ? AND c.unit_path < ? AND c.n != 0`, q.FormID, from, to)
}

// countsByChild sums a subtree's counts by the child of its unit, in SQL (as
// ledger.SumByChild does): the child is the first id of the path after the
// unit's prefix ("" for the unit's own rows).
func (s *LedgerStore) countsByChild(ctx context.Context, formID, prefix string) ([]ledger.Count, error) {
	from, to := subtreeRange(prefix)
	own := pathOfKey(prefix)
	scan := func(row scanner) (ledger.Count, error) {
		var c ledger.Count
		err := row.Scan(&c.FormID, &c.UnitID, &c.Bucket, &c.Status, &c.Field, &c.Option, &c.N)
		c.UnitPath = own
		if c.UnitID == "" {
			c.UnitID = own[len(own)-1]
		} else {
			c.UnitPath = append(slices.Clone(own), c.UnitID)
		}
		return c, err
	}
	return queryAll(ctx, s.db, "sum counts by child", scan, `SELECT c.form_id,
			substr(substr(c.unit_path, ?), 1, instr(substr(c.unit_path, ?), '/') - 1) AS child,
			c.bucket, c.status, c.field, c.option, sum(c.n)
		FROM entry_counts c WHERE c.form_id = ? AND c.unit_path >= ? AND c.unit_path < ? AND c.n != 0
		GROUP BY child, c.bucket, c.status, c.field, c.option`, len(prefix)+1, len(prefix)+1, formID, from, to)
}

const countColumns = `c.form_id, c.unit_id, c.bucket, c.status, c.field, c.option, c.unit_path, c.n`

func scanCount(row scanner) (ledger.Count, error) {
	var c ledger.Count
	var path string
	err := row.Scan(&c.FormID, &c.UnitID, &c.Bucket, &c.Status, &c.Field, &c.Option, &path, &c.N)
	c.UnitPath = pathOfKey(path)
	return c, err
}

// AllCounts implements ledger.Store.
func (s *LedgerStore) AllCounts(ctx context.Context) ([]ledger.Count, error) {
	return queryAll(ctx, s.db, "all counts", scanCount, `SELECT `+countColumns+` FROM entry_counts c WHERE c.n != 0`)
}

// ReplaceCounts implements ledger.Store, and records that the counts are built.
func (s *LedgerStore) ReplaceCounts(ctx context.Context, counts []ledger.Count) error {
	return s.db.inTx(ctx, "replace counts", func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM entry_counts`); err != nil {
			return err
		}
		if err := addCounts(ctx, tx, counts); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ledger_meta (key, value) VALUES ('counts_built', '1')
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
		return err
	})
}

// CountsBuilt reports whether the counts were kept since the first entry:
// Open marks a store without entries; a rebuild marks the others.
func (s *LedgerStore) CountsBuilt(ctx context.Context) (bool, error) {
	var v string
	err := s.db.queryRow(ctx, `SELECT value FROM ledger_meta WHERE key = 'counts_built'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return v == "1", mapError("read ledger meta", err)
}

// addCounts applies count deltas inside an entry step's (or a rebuild's)
// transaction, in one statement per batch: an entry step has two or three.
func addCounts(ctx context.Context, tx *txn, counts []ledger.Count) error {
	const batch = 50
	for len(counts) > 0 {
		part := counts[:min(batch, len(counts))]
		counts = counts[len(part):]
		args := make([]any, 0, 8*len(part))
		for _, c := range part {
			args = append(args, c.FormID, c.UnitID, c.Bucket, c.Status, c.Field, c.Option, pathKey(c.UnitPath), c.N)
		}
		values := tuples(len(part), 8)
		// SQLite applies the rows in order, so a key twice adds up. The path is
		// the row's: a move rewrites it, a step never does.
		_, err := tx.ExecContext(ctx, `INSERT INTO entry_counts (form_id, unit_id, bucket, status, field, option, unit_path, n)
			VALUES `+values+` ON CONFLICT (form_id, unit_id, bucket, status, field, option) DO UPDATE SET n = n + excluded.n`, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// recordFiling writes an entry step's filing in the obligation ledger, in the
// step's transaction: the claim on a round (refused when another entry holds
// it), and the first submission.
func recordFiling(ctx context.Context, tx *txn, f *ledger.Filing) error {
	if f == nil {
		return nil
	}
	var first any
	if !f.SubmittedAt.IsZero() {
		first = millis(f.SubmittedAt)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO obligations (form_id, period, unit_id, unit_path, due_at, owed, entry_id, first_submitted_at)
		VALUES (?,?,?,?,?,0,?,?) ON CONFLICT (form_id, period, unit_id) DO UPDATE SET
			entry_id = CASE WHEN obligations.entry_id = '' THEN excluded.entry_id ELSE obligations.entry_id END,
			first_submitted_at = coalesce(obligations.first_submitted_at, excluded.first_submitted_at)
		WHERE obligations.entry_id = '' OR obligations.first_submitted_at IS NULL AND excluded.first_submitted_at IS NOT NULL`,
		f.FormID, f.Period, f.UnitID, pathKey(f.UnitPath), millis(f.DueAt), f.EntryID, first)
	if err != nil || !f.Claim {
		return err
	}
	var holder string
	if err := tx.QueryRowContext(ctx, `SELECT entry_id FROM obligations WHERE form_id = ? AND period = ? AND unit_id = ?`,
		f.FormID, f.Period, f.UnitID).Scan(&holder); err != nil {
		return err
	}
	if holder != f.EntryID {
		return ledger.ErrFiled(holder, f.Period)
	}
	return nil
}

// repathLedger rewrites the path keys of the ledger's rows under a moved unit,
// in the move's transaction: they follow the tree like entries do.
func repathLedger(ctx context.Context, tx *txn, oldPath, newPath []string) error {
	from, to := subtreeRange(pathKey(oldPath))
	for _, table := range []string{"obligations", "entry_counts"} {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET unit_path = ? || substr(unit_path, ?)
			WHERE unit_path >= ? AND unit_path < ?`, pathKey(newPath), len(pathKey(oldPath))+1, from, to)
		if err != nil {
			return err
		}
	}
	return nil
}
