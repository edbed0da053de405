package org

import (
	"context"
	"fmt"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
)

// Bootstrap makes a fresh store usable: when it has no units it creates the root
// unit (named rootName) and, when phone is set, an administrator there with the
// admin and office roles. On a store that already has units it changes nothing,
// so it is safe at every start.
func Bootstrap(ctx context.Context, units UnitStore, users UserStore, rootName, phone, password string,
	params auth.PasswordParams, now time.Time) (created bool, err error) {
	n, err := units.CountUnits(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	if phone == "" {
		return false, nil // nothing to bootstrap with: leave the store empty
	}
	phone, err = NormalizePhone(phone)
	if err != nil {
		return false, fmt.Errorf("TAIZHANG_ADMIN_PHONE: %w", err)
	}
	if err := CheckPassword("password", password, phone); err != nil {
		return false, fmt.Errorf("TAIZHANG_ADMIN_PASSWORD: %w", err)
	}
	root := Unit{ID: ids.New(now), Name: rootName, Kind: KindCity, Active: true, CreatedAt: now, UpdatedAt: now}
	root.Path = []string{root.ID}
	system := auth.SystemScope(root.ID)
	if err := units.InsertUnit(ctx, system, root); err != nil {
		return false, err
	}
	hash, err := auth.HashPassword(password, params)
	if err != nil {
		return false, err
	}
	admin := User{ID: ids.New(now), Name: "系统管理员", Phone: phone, UnitID: root.ID, UnitPath: root.Path,
		Roles: []auth.Role{auth.RoleAdmin, auth.RoleOffice}, Active: true, PasswordHash: hash, AuthVersion: 1, Rev: 1,
		CreatedAt: now, UpdatedAt: now}
	if err := users.InsertUser(ctx, system, admin); err != nil && !errs.Is(err, errs.Duplicate) {
		return false, err
	}
	return true, nil
}
