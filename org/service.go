package org

import (
	"context"
	"fmt"
	"slices"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
)

// Service carries out administrators' changes to units and users. The stores
// confine every call to the caller's subtree; the service adds the rules that
// need more than one record: depth, cycles, the roles an administrator may grant.
type Service struct {
	Units    UnitStore
	Users    UserStore
	Password auth.PasswordParams
	Now      func() time.Time
	Audit    *audit.Log
}

// NewUnit is an administrator's request to create a unit.
type NewUnit struct {
	Name, ParentID, Code string
	Kind                 UnitKind
	SortOrder            int
}

// CreateUnit adds a unit under a parent in the caller's subtree.
func (s *Service) CreateUnit(ctx context.Context, scope auth.Scope, in NewUnit) (Unit, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Unit{}, err
	}
	if err := CheckUnitFields(in.Name, in.Kind, in.Code); err != nil {
		return Unit{}, err
	}
	parent, err := s.Units.GetUnit(ctx, scope, in.ParentID)
	if errs.Is(err, errs.NotFound) {
		return Unit{}, errs.Fields("上级单位不存在", errs.FieldError{Field: "parentId", Code: "not_found", Message: "上级单位不存在或不在管理范围内"})
	}
	if err != nil {
		return Unit{}, err
	}
	if parent.Depth() >= MaxDepth {
		return Unit{}, errs.Fields("单位层级过深", errs.FieldError{Field: "parentId", Code: "too_deep", Message: "单位层级不能超过 8 级"})
	}
	now := s.Now()
	id := ids.New(now)
	u := Unit{ID: id, ParentID: parent.ID, Name: in.Name, Kind: in.Kind, Code: in.Code, SortOrder: in.SortOrder,
		Active: true, Path: append(slices.Clone(parent.Path), id), CreatedAt: now, UpdatedAt: now}
	if err := s.Units.InsertUnit(ctx, scope, u); err != nil {
		return Unit{}, err
	}
	return u, s.Audit.Record(ctx, scope.UserID(), "unit.create", u.Path, u.ID, map[string]any{"name": u.Name})
}

// UnitChanges are the fields a PATCH may set; nil leaves a field as it is.
type UnitChanges struct {
	Name      *string
	Kind      *UnitKind
	Code      *string
	SortOrder *int
	Active    *bool
}

// UpdateUnit renames, re-kinds or (de)activates a unit. A unit with active users
// below it cannot be deactivated: they would be stranded.
func (s *Service) UpdateUnit(ctx context.Context, scope auth.Scope, id string, ch UnitChanges) (Unit, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Unit{}, err
	}
	u, err := s.Units.GetUnit(ctx, scope, id)
	if err != nil {
		return Unit{}, err
	}
	setIf(&u.Name, ch.Name)
	setIf(&u.Kind, ch.Kind)
	setIf(&u.Code, ch.Code)
	setIf(&u.SortOrder, ch.SortOrder)
	if err := CheckUnitFields(u.Name, u.Kind, u.Code); err != nil {
		return Unit{}, err
	}
	if ch.Active != nil && !*ch.Active && u.Active {
		n, err := s.Users.CountActiveUsers(ctx, scope, u.ID)
		if err != nil {
			return Unit{}, err
		}
		if n > 0 {
			return Unit{}, errs.New(errs.Conflict, fmt.Sprintf("该单位及其下级单位还有 %d 名在用用户，请先停用或调走", n))
		}
	}
	setIf(&u.Active, ch.Active)
	u.UpdatedAt = s.Now()
	if err := s.Units.UpdateUnit(ctx, scope, u); err != nil {
		return Unit{}, err
	}
	return u, s.Audit.Record(ctx, scope.UserID(), "unit.update", u.Path, u.ID, map[string]any{"name": u.Name, "active": u.Active})
}

func setIf[T any](field *T, value *T) {
	if value != nil {
		*field = *value
	}
}

// MoveUnit puts a unit (and everything below it) under a new parent; both must be
// in the caller's subtree, so an administrator can never move anything out of it.
func (s *Service) MoveUnit(ctx context.Context, scope auth.Scope, id, parentID string) (Unit, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Unit{}, err
	}
	units, err := s.Units.ListUnits(ctx, scope)
	if err != nil {
		return Unit{}, err
	}
	unit, found := findUnit(units, id)
	if !found {
		return Unit{}, errs.New(errs.NotFound, "单位不存在")
	}
	parent, found := findUnit(units, parentID)
	if !found {
		return Unit{}, errs.Fields("目标上级单位不存在", errs.FieldError{Field: "parentId", Code: "not_found", Message: "目标上级单位不存在或不在管理范围内"})
	}
	if unitScope, _ := scope.UnitID(); unit.ID == unitScope {
		return Unit{}, errs.New(errs.Forbidden, "不能移动自己所在的顶层单位")
	}
	if err := CheckMove(unit, parent, subtreeHeight(units, unit)); err != nil {
		return Unit{}, err
	}
	if unit.ParentID == parent.ID {
		return unit, nil
	}
	newPath := append(slices.Clone(parent.Path), unit.ID)
	if err := s.Units.MoveUnit(ctx, scope, unit.Path, newPath, s.Now()); err != nil {
		return Unit{}, err
	}
	if err := s.Audit.Record(ctx, scope.UserID(), "unit.move", newPath, unit.ID, map[string]any{"from": unit.Path}); err != nil {
		return Unit{}, err
	}
	return s.Units.GetUnit(ctx, scope, id)
}

func findUnit(units []Unit, id string) (Unit, bool) {
	i := slices.IndexFunc(units, func(u Unit) bool { return u.ID == id })
	if i < 0 {
		return Unit{}, false
	}
	return units[i], true
}

// subtreeHeight is 1 for a leaf, 2 for a unit with children only, and so on.
func subtreeHeight(units []Unit, root Unit) int {
	height := 1
	for _, u := range units {
		if u.IsUnder(root.ID) {
			height = max(height, len(u.Path)-len(root.Path)+1)
		}
	}
	return height
}
