package org_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"taizhang/auth"
	"taizhang/org"
)

// provinceTree is an in-memory unit store holding a province-sized tree:
// a city, 20 districts, 50 townships each, 50 villages each (51,021 units).
type provinceTree struct {
	org.UnitStore
	units []org.Unit
}

func newProvinceTree() *provinceTree {
	p := &provinceTree{}
	add := func(id, parent string, path []string) []string {
		path = append(append([]string(nil), path...), id)
		p.units = append(p.units, org.Unit{ID: id, ParentID: parent, Name: id, Active: true, Path: path})
		return path
	}
	city := add("city", "", nil)
	for d := range 20 {
		district := add(fmt.Sprintf("d%d", d), "city", city)
		for t := range 50 {
			town := add(fmt.Sprintf("d%d-t%d", d, t), district[len(district)-1], district)
			for v := range 50 {
				add(fmt.Sprintf("d%d-t%d-v%d", d, t, v), town[len(town)-1], town)
			}
		}
	}
	return p
}

func (p *provinceTree) RootUnit(context.Context) (org.Unit, error) { return p.units[0], nil }
func (p *provinceTree) ListUnits(context.Context, auth.Scope) ([]org.Unit, error) {
	return p.units, nil
}
func (p *provinceTree) Versions(context.Context) (org.Versions, error) { return org.Versions{}, nil }

// BenchmarkOwnPath is what every filing asks the tree: the filer's unit path
// and which units are in their scope. A village cadre's scope is one unit; a
// district office's, 2,551. Beside it, its baseline in the same run: one
// walk over the units, as the cache answered before it indexed the tree.
func BenchmarkOwnPath(b *testing.B) {
	tree := newProvinceTree()
	cache := &org.TreeCache{Units: tree}
	b.Run("walk-baseline", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for _, u := range tree.units {
				if u.IsUnder("d7-t30-v20") {
					n++
				}
			}
			if n != 1 {
				b.Fatal(n)
			}
		}
	})
	for name, unit := range map[string]string{"village": "d7-t30-v20", "district": "d7"} {
		scope := auth.ScopeForTest(b, unit, "u", auth.RoleCadre)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := cache.OwnPath(context.Background(), scope); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTreeIndexesAnswerAsTheScopeRule checks the indexed lookups against the
// rule the stores apply — a unit is in scope when its path holds the scope
// unit — on every scope of a district's branch and a few units inside and
// outside each.
func TestTreeIndexesAnswerAsTheScopeRule(t *testing.T) {
	tree := newProvinceTree()
	cache := &org.TreeCache{Units: tree}
	ctx := context.Background()
	probes := []string{"city", "d3", "d4", "d3-t7", "d3-t8", "d3-t7-v9", "d4-t7-v9", "nowhere"}
	for _, scopeUnit := range []string{"city", "d3", "d3-t7", "d3-t7-v9", "nowhere"} {
		scope := auth.ScopeForTest(t, scopeUnit, "u", auth.RoleCadre)
		var want []string
		for _, u := range tree.units {
			if u.IsUnder(scopeUnit) {
				want = append(want, u.ID)
			}
		}
		got, err := cache.Subtree(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range got {
			ids = append(ids, u.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("subtree of %s: %d units, want %d in the store's order", scopeUnit, len(ids), len(want))
		}
		own, inScope, ownErr := cache.OwnPath(ctx, scope)
		if (ownErr == nil) != (scopeUnit != "nowhere") {
			t.Fatalf("own path of %s: %v %v", scopeUnit, own, ownErr)
		}
		for _, id := range probes {
			path, err := cache.PathOf(ctx, scope, id)
			in := slices.Contains(want, id)
			if (err == nil) != in || in && path[len(path)-1] != id {
				t.Errorf("path of %s in scope %s: %v %v", id, scopeUnit, path, err)
			}
			if ownErr == nil && inScope(id) != in {
				t.Errorf("in scope of %s, %s: %v", scopeUnit, id, !in)
			}
		}
	}
}
