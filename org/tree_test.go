package org_test

import (
	"context"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/org"
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
