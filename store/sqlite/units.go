package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/org"
)

// OrgStore implements org.UnitStore and org.UserStore on SQLite.
type OrgStore struct{ db *DB }

// Org returns the organisation store.
func (db *DB) Org() *OrgStore { return &OrgStore{db: db} }

var (
	_ org.UnitStore = (*OrgStore)(nil)
	_ org.UserStore = (*OrgStore)(nil)
)

var errUnitNotFound = errs.New(errs.NotFound, "单位不存在")

const unitColumns = `u.id, u.parent_id, u.name, u.kind, u.code, u.sort_order, u.active, u.path, u.created_at, u.updated_at`

// unitInScope is ANDed into unit queries; its parameter is the scope's unit id.
const unitInScope = `EXISTS (SELECT 1 FROM json_each(u.path) WHERE json_each.value = ?)`

// InsertUnit implements org.UnitStore.
func (s *OrgStore) InsertUnit(ctx context.Context, scope auth.Scope, u org.Unit) (err error) {
	defer s.db.track("units.insert", time.Now(), &err)
	if unitID, ok := scope.UnitID(); !ok || !u.IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建单位")
	}
	return s.db.inTx(ctx, "insert unit", func(tx *txn) error {
		path, _ := json.Marshal(u.Path)
		_, err := tx.ExecContext(ctx, `INSERT INTO units (id, parent_id, name, kind, code, sort_order, active, path,
			created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`, u.ID, u.ParentID, u.Name, string(u.Kind), u.Code,
			u.SortOrder, u.Active, string(path), millis(u.CreatedAt), millis(u.UpdatedAt))
		if err != nil {
			return err
		}
		return bumpTreeVersion(ctx, tx)
	})
}

// GetUnit implements org.UnitStore.
func (s *OrgStore) GetUnit(ctx context.Context, scope auth.Scope, id string) (u org.Unit, err error) {
	defer s.db.track("units.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return org.Unit{}, errUnitNotFound
	}
	u, err = scanUnit(s.db.queryRow(ctx, `SELECT `+unitColumns+` FROM units u WHERE u.id = ? AND `+unitInScope, id, unitID))
	if errors.Is(err, sql.ErrNoRows) {
		return org.Unit{}, errUnitNotFound
	}
	return u, mapError("get unit", err)
}

// ListUnits implements org.UnitStore.
func (s *OrgStore) ListUnits(ctx context.Context, scope auth.Scope) (units []org.Unit, err error) {
	defer s.db.track("units.list", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	return queryAll(ctx, s.db, "list units", scanUnit, `SELECT `+unitColumns+` FROM units u WHERE `+unitInScope+`
		ORDER BY json_array_length(u.path), u.sort_order, u.name, u.id`, unitID)
}

// UpdateUnit implements org.UnitStore.
func (s *OrgStore) UpdateUnit(ctx context.Context, scope auth.Scope, u org.Unit) (err error) {
	defer s.db.track("units.update", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return errUnitNotFound
	}
	return s.db.inTx(ctx, "update unit", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE units AS u SET name = ?, kind = ?, code = ?, sort_order = ?, active = ?,
			updated_at = ? WHERE u.id = ? AND `+unitInScope, u.Name, string(u.Kind), u.Code, u.SortOrder, u.Active,
			millis(u.UpdatedAt), u.ID, unitID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errUnitNotFound
		}
		return bumpTreeVersion(ctx, tx)
	})
}

// MoveUnit implements org.UnitStore in one transaction, so it is all or nothing.
func (s *OrgStore) MoveUnit(ctx context.Context, scope auth.Scope, oldPath, newPath []string, at time.Time) (err error) {
	defer s.db.track("units.move", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok || !(org.Unit{Path: oldPath}).IsUnder(unitID) || !(org.Unit{Path: newPath}).IsUnder(unitID) {
		return errUnitNotFound
	}
	moved := oldPath[len(oldPath)-1]
	return s.db.inTx(ctx, "move unit", func(tx *txn) error {
		for _, table := range []string{"units", "users"} {
			if err := repathTable(ctx, tx, table, moved, oldPath, newPath); err != nil {
				return err
			}
		}
		if err := rescopeEntries(ctx, tx, moved, oldPath, newPath); err != nil {
			return err
		}
		if err := repathLedger(ctx, tx, oldPath, newPath); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE units SET parent_id = ?, updated_at = ? WHERE id = ?`, parentOf(newPath), millis(at), moved)
		if err != nil {
			return err
		}
		return bumpTreeVersion(ctx, tx)
	})
}

func parentOf(path []string) string {
	if len(path) < 2 {
		return ""
	}
	return path[len(path)-2]
}

// repathTable rewrites the path column of every row under the moved unit.
func repathTable(ctx context.Context, tx *txn, table, moved string, oldPath, newPath []string) error {
	column := "unit_path"
	if table == "units" {
		column = "path"
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.`+column+` FROM `+table+` t
		WHERE EXISTS (SELECT 1 FROM json_each(t.`+column+`) WHERE json_each.value = ?)`, moved)
	if err != nil {
		return err
	}
	type change struct {
		id   string
		path []string
	}
	var changes []change
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		var path []string
		if err := json.Unmarshal([]byte(raw), &path); err != nil {
			rows.Close()
			return err
		}
		if repathed, ok := org.Repath(path, oldPath, newPath); ok {
			changes = append(changes, change{id, repathed})
		}
	}
	rows.Close()
	for _, c := range changes {
		path, _ := json.Marshal(c.path)
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE id = ?`, string(path), c.id); err != nil {
			return err
		}
	}
	return nil
}

// rescopeEntries moves the entries under a moved unit: their scope rows of
// the ancestors they leave go, rows of the ancestors they join come, all found
// from the moved unit's own scope rows (its entries, a range of one key). An
// entry's path is its unit's (entryPath), already rewritten; entries written
// before that change lose their own copy of it here.
func rescopeEntries(ctx context.Context, tx *txn, moved string, oldPath, newPath []string) error {
	left := slices.DeleteFunc(slices.Clone(oldPath), func(id string) bool { return slices.Contains(newPath, id) })
	joined := slices.DeleteFunc(slices.Clone(newPath), func(id string) bool { return slices.Contains(oldPath, id) })
	const under = `SELECT m.created_at, m.entry_id FROM entry_scope m WHERE m.unit_id = ?`
	if len(left) > 0 {
		args := append([]any{moved}, anys(left)...)
		if _, err := tx.ExecContext(ctx, `DELETE FROM entry_scope WHERE (created_at, entry_id) IN (`+under+`)
			AND unit_id IN (`+placeholders(len(left))+`)`, args...); err != nil {
			return err
		}
	}
	for _, unitID := range joined {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO entry_scope (unit_id, created_at, entry_id)
			SELECT ?, m.created_at, m.entry_id FROM entry_scope m WHERE m.unit_id = ?`, unitID, moved); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE entries SET unit_path = '' WHERE unit_path <> ''
		AND id IN (SELECT m.entry_id FROM entry_scope m WHERE m.unit_id = ?)
		AND EXISTS (SELECT 1 FROM units u WHERE u.id = entries.unit_id)`, moved)
	return err
}

// CountUnits implements org.UnitStore.
func (s *OrgStore) CountUnits(ctx context.Context) (n int, err error) {
	err = s.db.queryRow(ctx, `SELECT count(*) FROM units`).Scan(&n)
	return n, mapError("count units", err)
}

// RootUnit implements org.UnitStore.
func (s *OrgStore) RootUnit(ctx context.Context) (org.Unit, error) {
	u, err := scanUnit(s.db.queryRow(ctx, `SELECT `+unitColumns+` FROM units u WHERE u.parent_id = ''
		ORDER BY u.created_at, u.id LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return org.Unit{}, errUnitNotFound
	}
	return u, mapError("root unit", err)
}

// Versions implements org.VersionStore; the people and forms versions are
// kept by triggers on users and forms (migrations 24 and 28).
// They come from memory while the writer knows them (versions.go).
func (s *OrgStore) Versions(ctx context.Context) (v org.Versions, err error) {
	if v, ok := s.db.versions.get(); ok {
		return v, nil
	}
	v, err = scanVersions(s.db.queryRow(ctx, versionsQuery))
	return v, mapError("versions", err)
}

func bumpTreeVersion(ctx context.Context, tx *txn) error {
	defer org.ForgetVersionsRead(ctx)
	_, err := tx.ExecContext(ctx, `UPDATE meta SET value = value + 1 WHERE key = 'tree_version'`)
	return err
}

func scanUnit(row scanner) (org.Unit, error) {
	var u org.Unit
	var kind, path string
	var created, updated sql.NullInt64
	err := row.Scan(&u.ID, &u.ParentID, &u.Name, &kind, &u.Code, &u.SortOrder, &u.Active, &path, &created, &updated)
	if err != nil {
		return u, err
	}
	u.Kind = org.UnitKind(kind)
	u.CreatedAt, u.UpdatedAt = fromMillis(created), fromMillis(updated)
	return u, json.Unmarshal([]byte(path), &u.Path)
}
