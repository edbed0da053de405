package org

import (
	"context"

	"taizhang/auth"
)

// Reviewers returns the active supervisors of the nearest unit above unitPath's
// last unit that has any: they are told when an entry there is submitted.
func Reviewers(ctx context.Context, users UserStore, unitPath []string) ([]string, error) {
	if len(unitPath) < 2 {
		return nil, nil
	}
	ancestors := unitPath[:len(unitPath)-1]
	found, err := users.Supervisors(ctx, auth.SystemScope(unitPath[0]), ancestors)
	if err != nil {
		return nil, err
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		var ids []string
		for _, u := range found {
			if u.UnitID == ancestors[i] {
				ids = append(ids, u.ID)
			}
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return nil, nil
}
