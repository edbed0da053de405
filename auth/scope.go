// Package auth decides who the caller is and what part of the unit tree they may
// touch. Its Scope is the only way into the stores, so no handler can forget access
// control: a store call without a scope does not compile, and a zero Scope matches
// nothing.
package auth

import (
	"slices"
	"testing"

	"taizhang/errs"
)

// Role is one of the fixed roles a user can hold.
type Role string

// The roles of domain.md: cadres file, supervisors review, administrators configure,
// the leading-group office watches the whole city.
const (
	RoleCadre      Role = "cadre"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	RoleOffice     Role = "office"
)

// Scope is the part of the unit tree a caller may read and write: the subtree rooted
// at one unit. Fields are unexported so that only this package can make one; the
// zero value has no unit and every store treats it as matching nothing (fail closed).
type Scope struct {
	userID string
	unitID string
	roles  []Role
}

// UnitID returns the root of the visible subtree and false for the zero Scope.
// Stores must AND "unit path contains UnitID" into every query and return nothing
// when ok is false.
func (s Scope) UnitID() (unitID string, ok bool) {
	return s.unitID, s.unitID != ""
}

// UserID is the acting user, recorded as author and actor.
func (s Scope) UserID() string { return s.userID }

// Has reports whether the caller holds role.
func (s Scope) Has(role Role) bool {
	for _, r := range s.roles {
		if r == role {
			return true
		}
	}
	return false
}

// SystemScope is for trusted code that acts on behalf of nobody (bootstrap, demo
// loading, admin commands run on the server itself). Never build one from request
// input: it sees the whole subtree of rootUnitID with every role.
func SystemScope(rootUnitID string) Scope {
	return Scope{userID: "system", unitID: rootUnitID,
		roles: []Role{RoleCadre, RoleSupervisor, RoleAdmin, RoleOffice}}
}

// ScopeForTest builds a scope in tests. Taking testing.TB keeps production code from
// minting scopes without a verified token.
func ScopeForTest(tb testing.TB, unitID, userID string, roles ...Role) Scope {
	tb.Helper()
	return Scope{userID: userID, unitID: unitID, roles: roles}
}

// Roles lists every role, in the order the UI shows them.
var Roles = []Role{RoleCadre, RoleSupervisor, RoleAdmin, RoleOffice}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// RolesOf returns a copy of the caller's roles.
func (s Scope) RolesOf() []Role { return slices.Clone(s.roles) }

var roleNames = map[Role]string{RoleCadre: "干部", RoleSupervisor: "审核人", RoleAdmin: "管理员", RoleOffice: "领导小组办公室"}

// Require returns a Forbidden error unless the caller holds role. Services check
// it as well as the route table, so a use case is safe whatever calls it.
func (s Scope) Require(role Role) error {
	if s.Has(role) {
		return nil
	}
	return errs.New(errs.Forbidden, "需要"+roleNames[role]+"权限")
}
