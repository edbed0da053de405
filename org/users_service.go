package org

import (
	"context"
	"slices"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
)

// NewUser is an administrator's request to create an account.
type NewUser struct {
	Phone, Name, UnitID, Password string
	Roles                         []auth.Role
}

// CreateUser adds an account in the caller's subtree. The administrator chose the
// password, so the user must change it at first login.
func (s *Service) CreateUser(ctx context.Context, scope auth.Scope, in NewUser) (User, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return User{}, err
	}
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		return User{}, err
	}
	if err := checkGrant(scope, in.Name, nil, in.Roles); err != nil {
		return User{}, err
	}
	if err := CheckPassword("password", in.Password, phone); err != nil {
		return User{}, err
	}
	unit, err := s.unitForUser(ctx, scope, in.UnitID)
	if err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(in.Password, s.Password)
	if err != nil {
		return User{}, err
	}
	now := s.Now()
	u := User{ID: ids.New(now), Name: in.Name, Phone: phone, UnitID: unit.ID, UnitPath: unit.Path, Roles: in.Roles,
		Active: true, PasswordHash: hash, MustChangePassword: true, AuthVersion: 1, Rev: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.Users.InsertUser(ctx, scope, u); err != nil {
		return User{}, err
	}
	return u, s.Audit.Record(ctx, scope.UserID(), "user.create", u.UnitPath, u.ID, map[string]any{"roles": u.Roles})
}

// checkGrant validates name and roles, and refuses roles the caller may not
// grant (CanGrant). Roles the user already had may stay.
func checkGrant(scope auth.Scope, name string, had, roles []auth.Role) error {
	if err := CheckUserFields(name, roles); err != nil {
		return err
	}
	for _, r := range roles {
		if !slices.Contains(had, r) && !CanGrant(scope, r) {
			return errs.Fields("不能授予该角色", errs.FieldError{Field: "roles", Code: "not_grantable",
				Message: "只有管理员可以授予角色: " + string(r)})
		}
	}
	return nil
}

// CanGrant reports whether the caller may give role to a user of their subtree
// (the stores confine the unit). Administrators grant every role there: a fresh
// deployment's only account is an administrator and must be able to create its
// cadres and supervisors. Admin itself is granted only by an administrator.
func CanGrant(scope auth.Scope, role auth.Role) bool {
	return scope.Has(auth.RoleAdmin) && auth.ValidRole(role)
}

func (s *Service) unitForUser(ctx context.Context, scope auth.Scope, unitID string) (Unit, error) {
	unit, err := s.Units.GetUnit(ctx, scope, unitID)
	if errs.Is(err, errs.NotFound) {
		return Unit{}, errs.Fields("所属单位不存在", errs.FieldError{Field: "unitId", Code: "not_found", Message: "所属单位不存在或不在管理范围内"})
	}
	if err == nil && !unit.Active {
		return Unit{}, errs.Fields("所属单位已停用", errs.FieldError{Field: "unitId", Code: "inactive", Message: "所属单位已停用"})
	}
	return unit, err
}

// UserChanges are the fields a PATCH may set; nil leaves a field as it is.
type UserChanges struct {
	Name   *string
	UnitID *string
	Roles  *[]auth.Role
	Active *bool
}

// UpdateUser changes a user. Changing unit, roles or the active flag ends the
// user's sessions: their refresh tokens stop working, and access tokens expire
// within their lifetime.
func (s *Service) UpdateUser(ctx context.Context, scope auth.Scope, id string, ch UserChanges) (User, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return User{}, err
	}
	u, err := s.Users.GetUser(ctx, scope, id)
	if err != nil {
		return User{}, err
	}
	before := u
	setIf(&u.Name, ch.Name)
	setIf(&u.Roles, ch.Roles)
	setIf(&u.Active, ch.Active)
	if err := checkGrant(scope, u.Name, before.Roles, u.Roles); err != nil {
		return User{}, err
	}
	if ch.UnitID != nil && *ch.UnitID != u.UnitID {
		unit, err := s.unitForUser(ctx, scope, *ch.UnitID)
		if err != nil {
			return User{}, err
		}
		u.UnitID, u.UnitPath = unit.ID, unit.Path
	}
	if u.ID == scope.UserID() && !u.Active {
		return User{}, errs.New(errs.Conflict, "不能停用自己的账号")
	}
	if u.UnitID != before.UnitID || !slices.Equal(u.Roles, before.Roles) || u.Active != before.Active {
		u.AuthVersion++
	}
	u.UpdatedAt = s.Now()
	if err := s.Users.UpdateUser(ctx, scope, u); err != nil {
		return User{}, err
	}
	u.Rev++
	// Role, unit and activation changes are what accountability asks about.
	return u, s.Audit.Record(ctx, scope.UserID(), "user.update", u.UnitPath, u.ID, map[string]any{
		"roles": u.Roles, "rolesBefore": before.Roles, "unitId": u.UnitID, "unitBefore": before.UnitID, "active": u.Active})
}

// ResetPassword sets a new password chosen by an administrator; the user must
// change it at next login, and every session of theirs ends.
func (s *Service) ResetPassword(ctx context.Context, scope auth.Scope, id, password string) (User, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return User{}, err
	}
	u, err := s.Users.GetUser(ctx, scope, id)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassword("password", password, u.Phone); err != nil {
		return User{}, err
	}
	if u.PasswordHash, err = auth.HashPassword(password, s.Password); err != nil {
		return User{}, err
	}
	u.MustChangePassword, u.AuthVersion, u.UpdatedAt = true, u.AuthVersion+1, s.Now()
	if err := s.Users.UpdateUser(ctx, scope, u); err != nil {
		return User{}, err
	}
	u.Rev++
	return u, s.Audit.Record(ctx, scope.UserID(), "user.reset_password", u.UnitPath, u.ID, nil)
}
