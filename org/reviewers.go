package org

import (
	"context"
	"slices"

	"taizhang/auth"
)

// Directory answers who reviews a unit's entries and who administers it, from
// the users of every unit on its path (above the caller's scope too: a
// district's supervisors review a village's entries whoever asks).
type Directory struct{ Users UserStore }

// ReviewUnits returns the units on unitPath — the entry's own unit first, then
// those above it — that have active supervisors other than the author, nearest
// first, with each unit's supervisors: level 1 reviews first, level 2 (for
// two-level approval) next. A supervisor reviews their own unit's entries,
// never their own.
func (d Directory) ReviewUnits(ctx context.Context, unitPath []string, authorID string) ([]string, map[string][]string, error) {
	if len(unitPath) == 0 {
		return nil, nil, nil
	}
	found, err := d.Users.WithRole(ctx, auth.SystemScope(unitPath[0]), auth.RoleSupervisor, unitPath)
	if err != nil {
		return nil, nil, err
	}
	byUnit := map[string][]string{}
	for _, u := range found {
		if u.ID != authorID {
			byUnit[u.UnitID] = append(byUnit[u.UnitID], u.ID)
		}
	}
	var units []string
	for i := len(unitPath) - 1; i >= 0; i-- {
		if len(byUnit[unitPath[i]]) > 0 {
			units = append(units, unitPath[i])
		}
	}
	return units, byUnit, nil
}

// Admins returns the active administrators of the units on unitPath, the
// nearest unit's first: whom to tell when an entry there has nobody to review it.
func (d Directory) Admins(ctx context.Context, unitPath []string) ([]string, error) {
	if len(unitPath) == 0 {
		return nil, nil
	}
	found, err := d.Users.WithRole(ctx, auth.SystemScope(unitPath[0]), auth.RoleAdmin, unitPath)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(found, func(a, b User) int {
		return slices.Index(unitPath, b.UnitID) - slices.Index(unitPath, a.UnitID)
	})
	ids := make([]string, len(found))
	for i, u := range found {
		ids[i] = u.ID
	}
	return ids, nil
}

// Unreviewed returns the active units of the caller's subtree that have
// active cadres but no supervisor anywhere on their path: everything their
// cadres submit would wait for a reviewer who does not exist.
func (s *Service) Unreviewed(ctx context.Context, scope auth.Scope) ([]Unit, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return nil, err
	}
	units, err := s.Units.ListUnits(ctx, scope)
	if err != nil || len(units) == 0 {
		return nil, err
	}
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	cadres, err := s.Users.WithRole(ctx, scope, auth.RoleCadre, ids)
	if err != nil {
		return nil, err
	}
	filing := map[string]bool{}
	for _, u := range cadres {
		filing[u.UnitID] = true
	}
	// Supervisors anywhere on the paths, above the caller's subtree too.
	scopeUnit, _ := scope.UnitID()
	top, found := findUnit(units, scopeUnit)
	if !found {
		return nil, nil
	}
	onPaths := slices.Concat(top.Path, ids)
	supervisors, err := s.Users.WithRole(ctx, auth.SystemScope(top.Path[0]), auth.RoleSupervisor, onPaths)
	if err != nil {
		return nil, err
	}
	reviewing := map[string]bool{}
	for _, u := range supervisors {
		reviewing[u.UnitID] = true
	}
	var out []Unit
	for _, u := range units {
		if u.Active && filing[u.ID] && !slices.ContainsFunc(u.Path, func(id string) bool { return reviewing[id] }) {
			out = append(out, u)
		}
	}
	return out, nil
}
