package org

import (
	"context"

	"taizhang/auth"
)

// ReviewUnits returns the units above unitPath's last unit that have active
// supervisors, nearest first, with each unit's supervisors: level 1 reviews
// first, level 2 (for two-level approval) next.
func ReviewUnits(ctx context.Context, users UserStore, unitPath []string) ([]string, map[string][]string, error) {
	if len(unitPath) < 2 {
		return nil, nil, nil
	}
	ancestors := unitPath[:len(unitPath)-1]
	found, err := users.Supervisors(ctx, auth.SystemScope(unitPath[0]), ancestors)
	if err != nil {
		return nil, nil, err
	}
	byUnit := map[string][]string{}
	for _, u := range found {
		byUnit[u.UnitID] = append(byUnit[u.UnitID], u.ID)
	}
	var units []string
	for i := len(ancestors) - 1; i >= 0; i-- {
		if len(byUnit[ancestors[i]]) > 0 {
			units = append(units, ancestors[i])
		}
	}
	return units, byUnit, nil
}
