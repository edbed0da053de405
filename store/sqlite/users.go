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

var errUserNotFound = errs.New(errs.NotFound, "用户不存在")

const userColumns = `u.id, u.name, u.phone, u.unit_id, u.unit_path, u.roles, u.active, u.password_hash,
	u.must_change_password, u.auth_version, u.rev, u.created_at, u.updated_at, u.last_login_at`

// userInScope is ANDed into user queries; its parameter is the scope's unit id.
const userInScope = `EXISTS (SELECT 1 FROM json_each(u.unit_path) WHERE json_each.value = ?)`

// InsertUser implements org.UserStore.
func (s *OrgStore) InsertUser(ctx context.Context, scope auth.Scope, u org.User) (err error) {
	defer s.db.track("users.insert", time.Now(), &err)
	defer org.ForgetVersionsRead(ctx) // the caches must see the change at once
	if unitID, ok := scope.UnitID(); !ok || !(org.Unit{Path: u.UnitPath}).IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建用户")
	}
	path, _ := json.Marshal(u.UnitPath)
	roles, _ := json.Marshal(u.Roles)
	_, err = s.db.exec(ctx, `INSERT INTO users (id, name, phone, unit_id, unit_path, roles, active,
		password_hash, must_change_password, auth_version, rev, created_at, updated_at, last_login_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?,?)`, u.ID, u.Name, u.Phone, u.UnitID, string(path), string(roles), u.Active,
		u.PasswordHash, u.MustChangePassword, u.AuthVersion, millis(u.CreatedAt), millis(u.UpdatedAt), millis(u.LastLoginAt))
	if errs.Is(mapError("", err), errs.Duplicate) {
		return errs.Fields("手机号已被使用", errs.FieldError{Field: "phone", Code: "duplicate", Message: "该手机号已注册"})
	}
	return mapError("insert user", err)
}

// GetUser implements org.UserStore.
func (s *OrgStore) GetUser(ctx context.Context, scope auth.Scope, id string) (u org.User, err error) {
	defer s.db.track("users.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return org.User{}, errUserNotFound
	}
	return s.userWhere(ctx, `u.id = ? AND `+userInScope, id, unitID)
}

func (s *OrgStore) userWhere(ctx context.Context, where string, args ...any) (org.User, error) {
	u, err := scanUser(s.db.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return org.User{}, errUserNotFound
	}
	return u, mapError("get user", err)
}

// ListUsers implements org.UserStore.
func (s *OrgStore) ListUsers(ctx context.Context, scope auth.Scope, unitID, afterID string, limit int) (users []org.User, err error) {
	defer s.db.track("users.list", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	if unitID == "" {
		unitID = scopeUnit
	}
	return queryAll(ctx, s.db, "list users", scanUser, `SELECT `+userColumns+` FROM users u WHERE `+userInScope+`
		AND `+userInScope+` AND u.id > ? ORDER BY u.id LIMIT ?`, scopeUnit, unitID, afterID, limit)
}

// UpdateUser implements org.UserStore.
func (s *OrgStore) UpdateUser(ctx context.Context, scope auth.Scope, u org.User) (err error) {
	defer s.db.track("users.update", time.Now(), &err)
	defer org.ForgetVersionsRead(ctx) // the caches must see the change at once
	scopeUnit, ok := scope.UnitID()
	if !ok || !(org.Unit{Path: u.UnitPath}).IsUnder(scopeUnit) {
		return errUserNotFound
	}
	path, _ := json.Marshal(u.UnitPath)
	roles, _ := json.Marshal(u.Roles)
	res, err := s.db.exec(ctx, `UPDATE users AS u SET name = ?, unit_id = ?, unit_path = ?, roles = ?,
		active = ?, password_hash = ?, must_change_password = ?, auth_version = ?, updated_at = ?, rev = rev + 1
		WHERE u.id = ? AND u.rev = ? AND `+userInScope, u.Name, u.UnitID, string(path), string(roles), u.Active,
		u.PasswordHash, u.MustChangePassword, u.AuthVersion, millis(u.UpdatedAt), u.ID, u.Rev, scopeUnit)
	if err != nil {
		return mapError("update user", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetUser(ctx, scope, u.ID); err != nil {
			return err
		}
		return errs.New(errs.Conflict, "用户信息已被他人修改，请刷新后重试")
	}
	return nil
}

// WithRole implements org.UserStore.
func (s *OrgStore) WithRole(ctx context.Context, scope auth.Scope, role auth.Role, unitIDs []string) ([]org.User, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok || len(unitIDs) == 0 {
		return nil, nil
	}
	scan := func(row scanner) (u org.User, err error) { return u, row.Scan(&u.ID, &u.UnitID, &u.Name, &u.Phone) }
	var out []org.User
	// In batches: the ledger asks about every unit of the tree, and a
	// province's 51,000 are more than a statement may bind (32,766).
	for batch := range slices.Chunk(unitIDs, 500) {
		args := append([]any{scopeUnit, string(role)}, anys(batch)...)
		found, err := queryAll(ctx, s.db, "list users by role", scan, `SELECT u.id, u.unit_id, u.name, u.phone FROM users u WHERE u.active AND `+userInScope+`
			AND EXISTS (SELECT 1 FROM json_each(u.roles) WHERE json_each.value = ?)
			AND u.unit_id IN (`+placeholders(len(batch))+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// Names implements org.UserStore.
func (s *OrgStore) Names(ctx context.Context, scope auth.Scope, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if _, ok := scope.UnitID(); !ok || len(ids) == 0 {
		return out, nil
	}
	for batch := range slices.Chunk(ids, 500) {
		args := anys(batch)
		type named struct{ id, name string }
		scan := func(row scanner) (n named, err error) { return n, row.Scan(&n.id, &n.name) }
		list, err := queryAll(ctx, s.db, "user names", scan, `SELECT id, name FROM users WHERE id IN (`+
			placeholders(len(batch))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, n := range list {
			out[n.id] = n.name
		}
	}
	return out, nil
}

// CountActiveUsers implements org.UserStore.
func (s *OrgStore) CountActiveUsers(ctx context.Context, scope auth.Scope, unitID string) (n int, err error) {
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return 0, nil
	}
	err = s.db.queryRow(ctx, `SELECT count(*) FROM users u WHERE u.active AND `+userInScope+` AND `+userInScope,
		scopeUnit, unitID).Scan(&n)
	return n, mapError("count users", err)
}

// UserByPhone implements org.UserStore (authentication only).
func (s *OrgStore) UserByPhone(ctx context.Context, phone string) (org.User, error) {
	return s.userWhere(ctx, `u.phone = ?`, phone)
}

// UserByID implements org.UserStore (authentication only).
func (s *OrgStore) UserByID(ctx context.Context, id string) (org.User, error) {
	return s.userWhere(ctx, `u.id = ?`, id)
}

// RecordLogin implements org.UserStore.
func (s *OrgStore) RecordLogin(ctx context.Context, id string, at time.Time, newHash string) error {
	_, err := s.db.exec(ctx, `UPDATE users SET last_login_at = ?,
		password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END WHERE id = ?`, millis(at), newHash, newHash, id)
	return mapError("record login", err)
}

func scanUser(row scanner) (org.User, error) {
	var u org.User
	var path, roles string
	var created, updated, lastLogin sql.NullInt64
	err := row.Scan(&u.ID, &u.Name, &u.Phone, &u.UnitID, &path, &roles, &u.Active, &u.PasswordHash,
		&u.MustChangePassword, &u.AuthVersion, &u.Rev, &created, &updated, &lastLogin)
	if err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMillis(created), fromMillis(updated), fromMillis(lastLogin)
	if err := json.Unmarshal([]byte(path), &u.UnitPath); err != nil {
		return u, err
	}
	return u, json.Unmarshal([]byte(roles), &u.Roles)
}
