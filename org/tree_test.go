package org_test

import (
	"context"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/org"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/sqlite"
)

// TestTreeCacheSeesOtherInstancesChanges runs two caches on one store, as two
// server instances would: a unit created through one is seen by the other.
func TestTreeCacheSeesOtherInstancesChanges(t *testing.T) {
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, now := context.Background(), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if _, err := org.Bootstrap(ctx, db.Org(), db.Org(), "示范市", "13800000001", "admin-pass-1",
		auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, now); err != nil {
		t.Fatal(err)
	}
	root, _ := db.Org().RootUnit(ctx)
	scope := auth.ScopeForTest(t, root.ID, "admin", auth.RoleAdmin)
	first, second := &org.TreeCache{Units: db.Org()}, &org.TreeCache{Units: db.Org()}
	if units, _ := second.Subtree(ctx, scope); len(units) != 1 {
		t.Fatalf("second instance sees %d units, want the root", len(units))
	}
	svc := &org.Service{Units: db.Org(), Users: db.Org(), Now: func() time.Time { return now }}
	district, err := svc.CreateUnit(ctx, scope, org.NewUnit{Name: "东城区", ParentID: root.ID, Kind: org.KindDistrict})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = first.Subtree(ctx, scope)
	units, _ := second.Subtree(ctx, scope)
	if len(units) != 2 || units[1].ID != district.ID {
		t.Fatalf("second instance did not see the new unit: %+v", units)
	}
	if inDistrict, _ := second.Subtree(ctx, auth.ScopeForTest(t, district.ID, "u", auth.RoleCadre)); len(inDistrict) != 1 {
		t.Fatalf("the district's scope sees %d units", len(inDistrict))
	}
	if none, _ := second.Subtree(ctx, auth.Scope{}); len(none) != 0 {
		t.Fatal("the zero scope sees units")
	}
}

// countedVersions counts the version reads that reach the store.
type countedVersions struct {
	org.UnitStore
	reads int
}

func (c *countedVersions) Versions(ctx context.Context) (org.Versions, error) {
	c.reads++
	return c.UnitStore.Versions(ctx)
}

// backends opens an empty org store on each store this test runs on: the
// embedded one and FerretDB.
var backends = map[string]func(t *testing.T) (org.UnitStore, org.UserStore){
	"sqlite": func(t *testing.T) (org.UnitStore, org.UserStore) {
		db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db.Org(), db.Org()
	},
	"ferretdb": func(t *testing.T) (org.UnitStore, org.UserStore) {
		db := mongotest.StartFerretDB(t).Open(t)
		return db.Org(), db.Org()
	},
}

// TestOneRequestReadsTheVersionsOnce: in a request's context the versions are
// read once, so another instance's change is seen from the next request on; a
// change the request makes itself is seen at once. On the embedded store and
// on FerretDB.
func TestOneRequestReadsTheVersionsOnce(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			units, users := open(t)
			now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			if _, err := org.Bootstrap(context.Background(), units, users, "示范市", "13800000001", "admin-pass-1",
				auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, now); err != nil {
				t.Fatal(err)
			}
			root, _ := units.RootUnit(context.Background())
			scope := auth.ScopeForTest(t, root.ID, "admin", auth.RoleAdmin)
			counted := &countedVersions{UnitStore: units}
			cache := &org.TreeCache{Units: counted}
			svc := &org.Service{Units: units, Users: users, Now: func() time.Time { return now }}
			names := func(ctx context.Context) []string {
				list, err := cache.Subtree(ctx, scope)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, u := range list {
					out = append(out, u.Name)
				}
				return out
			}

			request := org.OneVersionsRead(context.Background())
			names(request)
			if _, err := svc.CreateUnit(context.Background(), scope, org.NewUnit{Name: "东城区", ParentID: root.ID, Kind: org.KindDistrict}); err != nil {
				t.Fatal(err)
			}
			if got := names(request); len(got) != 1 || counted.reads != 1 {
				t.Fatalf("within one request: %v after %d version reads, want the tree as first read, read once", got, counted.reads)
			}
			if _, err := svc.CreateUnit(request, scope, org.NewUnit{Name: "西城区", ParentID: root.ID, Kind: org.KindDistrict}); err != nil {
				t.Fatal(err)
			}
			if got := names(request); len(got) != 3 {
				t.Fatalf("the request's own change is not seen: %v", got)
			}
			if got := names(org.OneVersionsRead(context.Background())); len(got) != 3 || counted.reads != 3 {
				t.Fatalf("the next request: %v after %d version reads", got, counted.reads)
			}
		})
	}
}
