// Package org is the organisation: the unit tree and the people in it. It holds
// the rules (names, phones, depth, who may manage whom) and the contracts of their
// storage; it knows nothing of HTTP or of any database.
package org

import (
	"slices"
	"time"

	"taizhang/errs"
)

// UnitKind is a unit's place in government.
type UnitKind string

// The kinds of domain.md's tree: city → districts and city departments →
// townships → villages and communities; grassroots Party organisations anywhere.
const (
	KindCity       UnitKind = "city"
	KindDistrict   UnitKind = "district"
	KindDepartment UnitKind = "department"
	KindTownship   UnitKind = "township"
	KindVillage    UnitKind = "village"
	KindCommunity  UnitKind = "community"
	KindPartyOrg   UnitKind = "party_org"
)

// UnitKinds lists the kinds with their Chinese names, for forms and imports.
var UnitKinds = map[UnitKind]string{
	KindCity: "市", KindDistrict: "区县", KindDepartment: "部门", KindTownship: "乡镇街道",
	KindVillage: "村", KindCommunity: "社区", KindPartyOrg: "基层党组织",
}

// MaxDepth bounds the tree: city → … → village is five levels; eight leaves room.
const MaxDepth = 8

// Unit is one organisation in the tree.
type Unit struct {
	ID        string
	ParentID  string // empty for the root
	Name      string
	Kind      UnitKind
	Code      string // optional external code
	SortOrder int
	Active    bool
	// Path lists the ancestors from the root down to the unit itself; every scope
	// check on units, users and entries tests membership in such a path.
	Path      []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Depth is 1 for the root.
func (u Unit) Depth() int { return len(u.Path) }

// IsUnder reports whether u lies in the subtree rooted at unitID (itself included).
func (u Unit) IsUnder(unitID string) bool { return slices.Contains(u.Path, unitID) }

// CheckUnitFields validates what an administrator may set on a unit.
func CheckUnitFields(name string, kind UnitKind, code string) error {
	var problems []errs.FieldError
	if p := checkName("name", name, 60); p != nil {
		problems = append(problems, *p)
	}
	if _, ok := UnitKinds[kind]; !ok {
		problems = append(problems, errs.FieldError{Field: "kind", Code: "invalid", Message: "单位类型无效"})
	}
	if len(code) > 40 {
		problems = append(problems, errs.FieldError{Field: "code", Code: "too_long", Message: "编码不能超过 40 个字符",
			Params: map[string]any{"max": 40}})
	}
	if problems != nil {
		return errs.Fields("单位信息有误", problems...)
	}
	return nil
}

// CheckMove refuses a move that would put a unit under itself or its descendant,
// or make the tree deeper than MaxDepth. subtreeHeight is 1 for a leaf.
func CheckMove(unit, newParent Unit, subtreeHeight int) error {
	if newParent.IsUnder(unit.ID) {
		return errs.New(errs.Conflict, "不能把单位移动到它自己或它的下级单位之下")
	}
	if newParent.Depth()+subtreeHeight > MaxDepth {
		return errs.New(errs.Conflict, "移动后单位层级将超过 8 级")
	}
	return nil
}

// Repath returns path with its prefix oldPrefix replaced by newPrefix; units,
// users and entries of a moved subtree all follow their unit this way.
func Repath(path, oldPrefix, newPrefix []string) ([]string, bool) {
	if len(path) < len(oldPrefix) || !slices.Equal(path[:len(oldPrefix)], oldPrefix) {
		return path, false
	}
	return append(slices.Clone(newPrefix), path[len(oldPrefix):]...), true
}

// SortByDepth orders units root first, then by depth, keeping the given order
// within a depth (stores sort by sort order and name first).
func SortByDepth(units []Unit) {
	slices.SortStableFunc(units, func(a, b Unit) int { return a.Depth() - b.Depth() })
}
