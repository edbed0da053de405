package org

import (
	"context"
	"slices"
	"sync"

	"taizhang/auth"
	"taizhang/errs"
)

// TreeCache keeps the whole unit tree in memory. Before each use it reads the
// store's versions (once per request) and reloads when another instance (or
// this one) changed any unit, so several instances behind a load balancer never
// serve a stale tree.
type TreeCache struct {
	Units UnitStore

	mu      sync.Mutex
	version int64
	units   []Unit            // root first, by depth
	names   map[string]string // unit id → name, of the same tree
	loaded  bool
}

// Subtree returns the units in scope, root of the scope first. It applies the
// scope exactly as the stores do: units whose path contains the scope unit.
func (c *TreeCache) Subtree(ctx context.Context, scope auth.Scope) ([]Unit, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	all, err := c.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []Unit
	for _, u := range all {
		if u.IsUnder(unitID) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (c *TreeCache) all(ctx context.Context) ([]Unit, error) {
	versions, err := readVersions(ctx, c.Units)
	if err != nil {
		return nil, err
	}
	version := versions.Tree
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && version == c.version {
		return c.units, nil
	}
	units, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Name
	}
	// Remember the version read before loading: a change during the load makes the
	// next call reload again rather than keep a tree older than its version.
	c.units, c.names, c.version, c.loaded = units, names, version, true
	return units, nil
}

// All returns every unit of the tree, root first; the slice is the cache's
// own, to read and never to change.
func (c *TreeCache) All(ctx context.Context) ([]Unit, error) { return c.all(ctx) }

// NameOf returns a lookup of unit names ("" for an unknown id) in the current
// tree. Names are shown for records the caller may already read.
func (c *TreeCache) NameOf(ctx context.Context) (func(id string) string, error) {
	if _, err := c.all(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	names := c.names // replaced, never changed, on reload
	c.mu.Unlock()
	return func(id string) string { return names[id] }, nil
}

func (c *TreeCache) load(ctx context.Context) ([]Unit, error) {
	root, err := c.Units.RootUnit(ctx)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.Units.ListUnits(ctx, auth.SystemScope(root.ID))
}

// PathOf returns the path of a unit in the caller's scope, or errs.NotFound.
func (c *TreeCache) PathOf(ctx context.Context, scope auth.Scope, unitID string) ([]string, error) {
	units, err := c.Subtree(ctx, scope)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.ID == unitID {
			return slices.Clone(u.Path), nil // the cache's own slice must never be shared
		}
	}
	return nil, errs.New(errs.NotFound, "单位不存在")
}

// OwnPath returns the caller's own unit path and the set of unit ids in their
// scope, for filing and for validating unit fields.
func (c *TreeCache) OwnPath(ctx context.Context, scope auth.Scope) ([]string, map[string]bool, error) {
	units, err := c.Subtree(ctx, scope)
	if err != nil {
		return nil, nil, err
	}
	if len(units) == 0 {
		return nil, nil, errs.New(errs.Forbidden, "您的单位不存在或已被移除")
	}
	inScope := make(map[string]bool, len(units))
	for _, u := range units {
		inScope[u.ID] = true
	}
	return slices.Clone(units[0].Path), inScope, nil
}
