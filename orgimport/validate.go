package orgimport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/org"
)

// roleNames maps the Chinese role names of the template (and the API's English
// ones) to roles.
var roleNames = map[string]auth.Role{
	"干部": auth.RoleCadre, "审核人": auth.RoleSupervisor, "管理员": auth.RoleAdmin, "领导小组办公室": auth.RoleOffice,
	"办公室": auth.RoleOffice, "cadre": auth.RoleCadre, "supervisor": auth.RoleSupervisor, "admin": auth.RoleAdmin,
	"office": auth.RoleOffice,
}

type validator struct {
	ctx      context.Context
	scope    auth.Scope
	users    org.UserStore
	dir      *directory
	now      time.Time
	phones   map[string]int // normalised phone → first row using it
	problems []errs.FieldError
	err      error // the store failed: not the file's fault
}

func (v *validator) problem(sheet string, row int, column, code, message string) {
	v.problems = append(v.problems, rowProblem(sheet, row, column, code, message))
}

func (v *validator) validate(unitRows, userRows [][]string) plan {
	var p plan
	for i, row := range unitRows {
		if u, ok := v.unitRow(i+2, trimAll(pad(row, len(unitHeaders)))); ok {
			p.units = append(p.units, u)
		}
	}
	for i, row := range userRows {
		if u, ok := v.userRow(i+2, trimAll(pad(row, len(userHeaders)))); ok {
			p.users = append(p.users, u)
		}
	}
	return p
}

func blank(row []string) bool { return strings.Join(row, "") == "" }

func (v *validator) unitRow(n int, row []string) (org.Unit, bool) {
	if blank(row) {
		return org.Unit{}, false
	}
	name, parentRef, kindName, code, sortText := row[0], row[1], row[2], row[3], row[4]
	before := len(v.problems)
	kind, ok := parseKind(kindName)
	if !ok {
		v.problem(UnitSheet, n, "kind", "invalid", fmt.Sprintf("单位类型“%s”无效", kindName))
	}
	if err := org.CheckUnitFields(name, kind, code); err != nil {
		v.fieldErrors(UnitSheet, n, err, "kind") // the kind was reported above
	}
	sortOrder, err := strconv.Atoi(cmp.Or(sortText, "0"))
	if err != nil {
		v.problem(UnitSheet, n, "sortOrder", "invalid", "排序应为整数")
	}
	parent, found := v.resolve(UnitSheet, n, "parent", parentRef)
	if found && v.dir.hasChild(parent.ID, name) {
		v.problem(UnitSheet, n, "name", "duplicate", fmt.Sprintf("“%s”下已有单位“%s”", parent.Name, name))
	}
	if found && parent.Depth() >= org.MaxDepth {
		v.problem(UnitSheet, n, "parent", "too_deep", "单位层级不能超过 8 级")
	}
	if len(v.problems) > before || !found {
		return org.Unit{}, false
	}
	id := ids.New(v.now)
	u := org.Unit{ID: id, ParentID: parent.ID, Name: name, Kind: kind, Code: code, SortOrder: sortOrder, Active: true,
		Path: append(slices.Clone(parent.Path), id), CreatedAt: v.now, UpdatedAt: v.now}
	v.dir.add(u) // later rows may hang under it
	return u, true
}

func (v *validator) userRow(n int, row []string) (plannedUser, bool) {
	if blank(row) {
		return plannedUser{}, false
	}
	name, phoneText, unitRef, roleText, password := row[0], row[1], row[2], row[3], row[4]
	before := len(v.problems)
	phone, err := org.NormalizePhone(phoneText)
	if err != nil {
		v.problem(UserSheet, n, "phone", "invalid_phone", fmt.Sprintf("手机号“%s”无效，应为 11 位中国大陆手机号", phoneText))
	} else {
		v.checkPhoneFree(n, phone)
	}
	roles := v.parseRoles(n, roleText)
	if err := org.CheckUserFields(name, roles); err != nil {
		v.fieldErrors(UserSheet, n, err, "roles") // roles were reported by parseRoles
	}
	if err := org.CheckPassword("password", password, phone); err != nil {
		v.fieldErrors(UserSheet, n, err, "")
	}
	unit, found := v.resolve(UserSheet, n, "unit", unitRef)
	if len(v.problems) > before || !found {
		return plannedUser{}, false
	}
	return plannedUser{password: password, user: org.User{ID: ids.New(v.now), Name: name, Phone: phone, UnitID: unit.ID,
		UnitPath: unit.Path, Roles: roles, Active: true, MustChangePassword: true, AuthVersion: 1, Rev: 1,
		CreatedAt: v.now, UpdatedAt: v.now}}, true
}

func (v *validator) checkPhoneFree(n int, phone string) {
	if first, dup := v.phones[phone]; dup {
		v.problem(UserSheet, n, "phone", "duplicate", fmt.Sprintf("手机号 %s 与第 %d 行重复", phone, first))
		return
	}
	v.phones[phone] = n
	_, err := v.users.UserByPhone(v.ctx, phone)
	switch {
	case err == nil:
		v.problem(UserSheet, n, "phone", "duplicate", fmt.Sprintf("手机号 %s 已注册", phone))
	case !errs.Is(err, errs.NotFound):
		v.err = err
	}
}

func (v *validator) parseRoles(n int, text string) []auth.Role {
	var roles []auth.Role
	for _, name := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune("、,，;； ", r) }) {
		role, ok := roleNames[name]
		switch {
		case !ok:
			v.problem(UserSheet, n, "roles", "invalid", fmt.Sprintf("角色“%s”无效", name))
		case !org.CanGrant(v.scope, role):
			v.problem(UserSheet, n, "roles", "not_grantable", fmt.Sprintf("只有管理员可以授予角色“%s”", name))
		case !slices.Contains(roles, role):
			roles = append(roles, role)
		}
	}
	if text == "" {
		v.problem(UserSheet, n, "roles", "required", "请填写角色")
	}
	return roles
}

func (v *validator) resolve(sheet string, n int, column, ref string) (org.Unit, bool) {
	if ref == "" {
		v.problem(sheet, n, column, "required", "请填写单位")
		return org.Unit{}, false
	}
	u, candidates := v.dir.find(ref)
	switch {
	case len(candidates) > 1:
		v.problem(sheet, n, column, "ambiguous", fmt.Sprintf("单位“%s”不唯一（%s），请写完整路径", ref, strings.Join(candidates, "、")))
	case u.ID == "":
		v.problem(sheet, n, column, "not_found", fmt.Sprintf("找不到单位“%s”，或不在您的管理范围内", ref))
	case !u.Active:
		v.problem(sheet, n, column, "inactive", fmt.Sprintf("单位“%s”已停用", ref))
	default:
		return u, true
	}
	return org.Unit{}, false
}

// fieldErrors copies a domain validation error into the report at this row,
// leaving out the field skip (already reported in the import's own words).
func (v *validator) fieldErrors(sheet string, n int, err error, skip string) {
	var e *errs.Error
	if !errors.As(err, &e) {
		v.err = err
		return
	}
	for _, f := range e.Fields {
		if f.Field != skip {
			v.problem(sheet, n, f.Field, f.Code, f.Message)
		}
	}
}

func parseKind(text string) (org.UnitKind, bool) {
	for kind, name := range org.UnitKinds {
		if text == name || text == string(kind) {
			return kind, true
		}
	}
	return "", false
}
