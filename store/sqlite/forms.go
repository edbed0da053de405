package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/org"
)

// FormStore implements forms.Store on SQLite.
type FormStore struct{ db *DB }

// Forms returns the form store.
func (db *DB) Forms() *FormStore { return &FormStore{db: db} }

var _ forms.Store = (*FormStore)(nil)

var errFormNotFound = errs.New(errs.NotFound, "表单不存在")

const formColumns = `f.id, f.owner_unit_id, f.owner_path, f.key, f.draft, f.latest_version, f.archived, f.assignments,
	f.rev, f.created_at, f.updated_at`

// formColumnsNoDraft is formColumns with an empty draft, for FormByID.
var formColumnsNoDraft = strings.Replace(formColumns, "f.draft", "'{}'", 1)

// formInScope is ANDed into management queries; its parameter is the scope's unit.
const formInScope = `EXISTS (SELECT 1 FROM json_each(f.owner_path) WHERE json_each.value = ?)`

// InsertForm implements forms.Store.
func (s *FormStore) InsertForm(ctx context.Context, scope auth.Scope, d forms.Definition) (err error) {
	defer s.db.track("forms.insert", time.Now(), &err)
	defer org.ForgetVersionsRead(ctx) // the caches must see the change at once
	if unitID, ok := scope.UnitID(); !ok || !(org.Unit{Path: d.OwnerPath}).IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建表单")
	}
	draft, assignments, path := mustJSON(d.Draft), mustJSON(d.Assignments), mustJSON(d.OwnerPath)
	return s.db.inTx(ctx, "insert form", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO forms (id, owner_unit_id, owner_path, key, draft, latest_version,
			archived, assignments, rev, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,1,?,?)`, d.ID, d.OwnerUnitID, path,
			d.Key, draft, d.LatestVersion, d.Archived, assignments, millis(d.CreatedAt), millis(d.UpdatedAt))
		if err != nil {
			return err
		}
		return writeAssignments(ctx, tx, d)
	})
}

func writeAssignments(ctx context.Context, tx *txn, d forms.Definition) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM form_assignments WHERE form_id = ?`, d.ID); err != nil {
		return err
	}
	for _, a := range d.Assignments {
		_, err := tx.ExecContext(ctx, `INSERT INTO form_assignments (unit_id, form_id, include_descendants) VALUES (?,?,?)
			ON CONFLICT DO UPDATE SET include_descendants = max(include_descendants, excluded.include_descendants)`,
			a.UnitID, d.ID, a.Descendants())
		if err != nil {
			return err
		}
	}
	return nil
}

// GetForm implements forms.Store.
func (s *FormStore) GetForm(ctx context.Context, scope auth.Scope, id string) (d forms.Definition, err error) {
	defer s.db.track("forms.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return d, errFormNotFound
	}
	d, err = scanForm(s.db.queryRow(ctx, `SELECT `+formColumns+` FROM forms f WHERE f.id = ? AND `+formInScope, id, unitID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errFormNotFound
	}
	return d, mapError("get form", err)
}

// FormByID implements forms.Store.
func (s *FormStore) FormByID(ctx context.Context, id string) (d forms.Definition, err error) {
	d, err = scanForm(s.db.queryRow(ctx, `SELECT `+formColumnsNoDraft+` FROM forms f WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errFormNotFound
	}
	return d, mapError("get form", err)
}

// ListForms implements forms.Store.
func (s *FormStore) ListForms(ctx context.Context, scope auth.Scope) (list []forms.Definition, err error) {
	defer s.db.track("forms.list", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	return queryAll(ctx, s.db, "list forms", scanForm, `SELECT `+formColumns+` FROM forms f WHERE `+formInScope+`
		ORDER BY f.created_at, f.id`, unitID)
}

// ListAssigned implements forms.Store.
func (s *FormStore) ListAssigned(ctx context.Context, unitPath []string) (list []forms.Definition, err error) {
	defer s.db.track("forms.list_assigned", time.Now(), &err)
	if len(unitPath) == 0 {
		return nil, nil
	}
	own, ancestors := unitPath[len(unitPath)-1], unitPath[:len(unitPath)-1]
	args := []any{own}
	for _, a := range ancestors {
		args = append(args, a)
	}
	in := "''"
	if len(ancestors) > 0 {
		in = placeholders(len(ancestors))
	}
	return queryAll(ctx, s.db, "list assigned forms", scanForm, `SELECT `+formColumns+` FROM forms f WHERE NOT f.archived
		AND EXISTS (SELECT 1 FROM form_assignments a WHERE a.form_id = f.id
			AND (a.unit_id = ? OR (a.include_descendants AND a.unit_id IN (`+in+`))))
		ORDER BY f.created_at, f.id`, args...)
}

// UpdateForm implements forms.Store.
func (s *FormStore) UpdateForm(ctx context.Context, scope auth.Scope, d forms.Definition) (err error) {
	defer s.db.track("forms.update", time.Now(), &err)
	defer org.ForgetVersionsRead(ctx) // the caches must see the change at once
	unitID, ok := scope.UnitID()
	if !ok {
		return errFormNotFound
	}
	return s.db.inTx(ctx, "update form", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE forms AS f SET draft = ?, latest_version = ?, archived = ?, assignments = ?,
			updated_at = ?, rev = rev + 1 WHERE f.id = ? AND f.rev = ? AND `+formInScope, mustJSON(d.Draft),
			d.LatestVersion, d.Archived, mustJSON(d.Assignments), millis(d.UpdatedAt), d.ID, d.Rev, unitID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "表单已被他人修改，请刷新后重试")
		}
		return writeAssignments(ctx, tx, d)
	})
}

// InsertVersion implements forms.Store.
func (s *FormStore) InsertVersion(ctx context.Context, v forms.Version) (err error) {
	defer s.db.track("forms.insert_version", time.Now(), &err)
	_, err = s.db.exec(ctx, `INSERT INTO form_versions (form_id, version, hash, schema, published_at,
		published_by) VALUES (?,?,?,?,?,?)`, v.FormID, v.Version, v.Hash, mustJSON(v.Schema), millis(v.PublishedAt), v.PublishedBy)
	return mapError("insert form version", err)
}

const versionColumns = `form_id, version, hash, schema, published_at, published_by`

// GetVersion implements forms.Store.
func (s *FormStore) GetVersion(ctx context.Context, formID string, version int) (v forms.Version, err error) {
	v, err = scanVersion(s.db.queryRow(ctx, `SELECT `+versionColumns+` FROM form_versions
		WHERE form_id = ? AND version = ?`, formID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errs.New(errs.NotFound, "表单版本不存在")
	}
	return v, mapError("get form version", err)
}

// ListVersions implements forms.Store.
func (s *FormStore) ListVersions(ctx context.Context, formID string) ([]forms.Version, error) {
	return queryAll(ctx, s.db, "list form versions", scanVersion, `SELECT `+versionColumns+` FROM form_versions
		WHERE form_id = ? ORDER BY version`, formID)
}

func scanForm(row scanner) (forms.Definition, error) {
	var d forms.Definition
	var path, draft, assignments string
	var created, updated sql.NullInt64
	err := row.Scan(&d.ID, &d.OwnerUnitID, &path, &d.Key, &draft, &d.LatestVersion, &d.Archived, &assignments,
		&d.Rev, &created, &updated)
	if err != nil {
		return d, err
	}
	d.CreatedAt, d.UpdatedAt = fromMillis(created), fromMillis(updated)
	return d, errors.Join(json.Unmarshal([]byte(path), &d.OwnerPath), json.Unmarshal([]byte(draft), &d.Draft),
		json.Unmarshal([]byte(assignments), &d.Assignments))
}

func scanVersion(row scanner) (forms.Version, error) {
	var v forms.Version
	var schema string
	var published sql.NullInt64
	if err := row.Scan(&v.FormID, &v.Version, &v.Hash, &schema, &published, &v.PublishedBy); err != nil {
		return v, err
	}
	v.PublishedAt = fromMillis(published)
	return v, json.Unmarshal([]byte(schema), &v.Schema)
}

// mustJSON encodes values that always encode (our own structs and slices).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sqlite: cannot encode " + err.Error())
	}
	return string(b)
}
