package org

import (
	"context"
	"slices"

	"taizhang/auth"
)

// Reviewers returns the active supervisors of the nearest unit above unitPath's
// last unit that has any: they are told when an entry there is submitted.
func Reviewers(ctx context.Context, users UserStore, unitPath []string) ([]string, error) {
	if len(unitPath) < 2 {
		return nil, nil
	}
	system := auth.SystemScope(unitPath[0])
	for i := len(unitPath) - 2; i >= 0; i-- {
		list, err := users.ListUsers(ctx, system, unitPath[i], "", 1000)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, u := range list {
			if u.UnitID == unitPath[i] && u.Active && slices.Contains(u.Roles, auth.RoleSupervisor) {
				found = append(found, u.ID)
			}
		}
		if len(found) > 0 {
			return found, nil
		}
	}
	return nil, nil
}
