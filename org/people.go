package org

import (
	"context"
	"slices"
	"strings"

	"taizhang/auth"
	"taizhang/versioned"
)

// PeopleCache is a UserStore that keeps, for as long as the store's versions
// stay the same, the two reads every write request makes: the caller's
// account (UserByID: still active, still signed in at its version?) and the
// holders of a role on a unit path (WithRole: who reviews this entry?). Each
// was one query per filing, one round trip to MongoDB; now a request reads
// the versions, as it does anyway for the tree. Everything else goes to the
// store.
//
// An account kept here may show an older last login and password hash than
// the store (a login changes those without a new version): sign-in and
// password checks read the store itself (session.Service is given the store).
type PeopleCache struct {
	UserStore
	Versions VersionStore

	accounts versioned.Map[Versions, User]
	onPath   versioned.Map[Versions, []User]
}

// maxKept bounds each of the caches; beyond it they start again empty. An
// account is a few hundred bytes.
const maxKept = 50_000

// UserByID implements UserStore from the cache when it can.
func (c *PeopleCache) UserByID(ctx context.Context, id string) (User, error) {
	v, err := c.versions(ctx)
	if err != nil {
		return User{}, err
	}
	if u, ok := c.accounts.Get(v, id); ok {
		return cloneUser(u), nil
	}
	u, err := c.UserStore.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	c.accounts.Put(v, id, cloneUser(u), maxKept)
	return u, nil
}

// WithRole implements UserStore from the cache when it can: for the units
// of a path (who reviews an entry), not for a whole tree's (the ledger's
// sweep asks about every unit once). The answer depends only on the scope's
// unit, the role and the units asked about.
func (c *PeopleCache) WithRole(ctx context.Context, scope auth.Scope, role auth.Role, unitIDs []string) ([]User, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok || len(unitIDs) > MaxDepth {
		return c.UserStore.WithRole(ctx, scope, role, unitIDs)
	}
	v, err := c.versions(ctx)
	if err != nil {
		return nil, err
	}
	key := scopeUnit + "\x00" + string(role) + "\x00" + strings.Join(unitIDs, "\x00")
	if found, ok := c.onPath.Get(v, key); ok {
		return slices.Clone(found), nil
	}
	found, err := c.UserStore.WithRole(ctx, scope, role, unitIDs)
	if err != nil {
		return nil, err
	}
	c.onPath.Put(v, key, slices.Clone(found), maxKept)
	return found, nil
}

// versions are the store's versions this cache depends on: the tree's and
// the people's (a form's change leaves what it keeps).
func (c *PeopleCache) versions(ctx context.Context) (Versions, error) {
	v, err := ReadVersions(ctx, c.Versions)
	return Versions{Tree: v.Tree, People: v.People}, err
}

// cloneUser copies an account's slices, so no caller can change what the
// cache keeps.
func cloneUser(u User) User {
	u.UnitPath, u.Roles = slices.Clone(u.UnitPath), slices.Clone(u.Roles)
	return u
}
