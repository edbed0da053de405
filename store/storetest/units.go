package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/org"
)

func unitAt(path ...string) org.Unit {
	parent := ""
	if len(path) > 1 {
		parent = path[len(path)-2]
	}
	return org.Unit{ID: path[len(path)-1], ParentID: parent, Name: "单位" + path[len(path)-1], Kind: org.KindTownship,
		Active: true, Path: path, CreatedAt: epoch, UpdatedAt: epoch}
}

// seedUnits builds the tree of pathCity … pathV1 and pathD2.
func seedUnits(t *testing.T, s OrgStore) {
	root := auth.ScopeForTest(t, "city", "seeder", auth.RoleAdmin)
	for _, path := range [][]string{pathCity, pathD1, pathT1, pathV1, pathD2} {
		if err := s.InsertUnit(context.Background(), root, unitAt(path...)); err != nil {
			t.Fatal(err)
		}
	}
}

func unitIDs(t *testing.T, s OrgStore, scope auth.Scope) []string {
	t.Helper()
	units, err := s.ListUnits(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, u := range units {
		out = append(out, u.ID)
	}
	return out
}

func runUnits(t *testing.T, open func(t *testing.T) Harness) {
	tests := map[string]func(t *testing.T, h Harness){
		"ListIsScoped":           testUnitsScoped,
		"InsertOutsideScope":     testUnitInsertScope,
		"UpdateAndTreeVersion":   testUnitUpdate,
		"MoveRepathsEverything":  testUnitMove,
		"CountAndRootUnscoped":   testCountUnits,
		"GetOutsideScopeMissing": testUnitGetScope,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

func testUnitsScoped(t *testing.T, h Harness) {
	seedUnits(t, h.Org)
	for unit, want := range map[string][]string{
		"city": {"city", "d1", "d2", "t1", "v1"}, "d1": {"d1", "t1", "v1"}, "v1": {"v1"}, "d2": {"d2"}, "nope": {},
	} {
		got := unitIDs(t, h.Org, scopeOf(t, unit))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("scope %s sees %v, want %v", unit, got, want)
		}
	}
	if got := unitIDs(t, h.Org, auth.Scope{}); len(got) != 0 {
		t.Errorf("the zero scope sees %v", got)
	}
}

func testUnitGetScope(t *testing.T, h Harness) {
	seedUnits(t, h.Org)
	got, err := h.Org.GetUnit(context.Background(), scopeOf(t, "d1"), "v1")
	if err != nil || !slices.Equal(got.Path, pathV1) || got.Name != "单位v1" || !got.Active {
		t.Fatalf("get v1 from d1: %+v %v", got, err)
	}
	_, err = h.Org.GetUnit(context.Background(), scopeOf(t, "d2"), "v1")
	wantCode(t, err, errs.NotFound)
	_, err = h.Org.GetUnit(context.Background(), scopeOf(t, "v1"), "d1") // a parent is out of scope too
	wantCode(t, err, errs.NotFound)
}

func testUnitInsertScope(t *testing.T, h Harness) {
	seedUnits(t, h.Org)
	err := h.Org.InsertUnit(context.Background(), scopeOf(t, "d2"), unitAt("city", "d1", "t9"))
	wantCode(t, err, errs.Forbidden)
	err = h.Org.InsertUnit(context.Background(), scopeOf(t, "d1"), unitAt("city", "d1", "t1"))
	wantCode(t, err, errs.Duplicate)
}

func testUnitUpdate(t *testing.T, h Harness) {
	ctx := context.Background()
	seedUnits(t, h.Org)
	before, _ := h.Org.Versions(ctx)
	u, _ := h.Org.GetUnit(ctx, scopeOf(t, "d1"), "t1")
	u.Name, u.Active, u.SortOrder, u.Code = "城关镇", false, 3, "T-01"
	if err := h.Org.UpdateUnit(ctx, scopeOf(t, "d1"), u); err != nil {
		t.Fatal(err)
	}
	got, _ := h.Org.GetUnit(ctx, scopeOf(t, "d1"), "t1")
	if got.Name != "城关镇" || got.Active || got.SortOrder != 3 || got.Code != "T-01" {
		t.Fatalf("update lost: %+v", got)
	}
	if after, _ := h.Org.Versions(ctx); after.Tree <= before.Tree {
		t.Fatalf("tree version %d → %d: a change must bump it", before.Tree, after.Tree)
	}
	wantCode(t, h.Org.UpdateUnit(ctx, scopeOf(t, "d2"), u), errs.NotFound)
}

// testUnitMove moves t1 (with v1, a user and an entry under it) from d1 to d2.
func testUnitMove(t *testing.T, h Harness) {
	ctx := context.Background()
	seedUnits(t, h.Org)
	user := newUser("13800000001", pathV1)
	if err := h.Org.InsertUser(ctx, scopeOf(t, "city"), user); err != nil {
		t.Fatal(err)
	}
	entry := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scopeOf(t, "city"), entry)
	listIDs(t, h.Entries, scopeOf(t, "city"), entries.Query{}) // listed before the move, as a page would be
	newT1 := []string{"city", "d2", "t1"}
	for range 2 { // a second run must change nothing: the move is idempotent
		if err := h.Org.MoveUnit(ctx, scopeOf(t, "city"), pathT1, newT1, epoch.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	v1, err := h.Org.GetUnit(ctx, scopeOf(t, "d2"), "v1")
	if err != nil || !slices.Equal(v1.Path, []string{"city", "d2", "t1", "v1"}) {
		t.Fatalf("v1 after the move: %+v %v", v1, err)
	}
	t1, _ := h.Org.GetUnit(ctx, scopeOf(t, "d2"), "t1")
	if t1.ParentID != "d2" {
		t.Fatalf("t1's parent is %q, want d2", t1.ParentID)
	}
	if _, err := h.Org.GetUnit(ctx, scopeOf(t, "d1"), "v1"); !errs.Is(err, errs.NotFound) {
		t.Fatal("the old ancestor still sees the moved unit")
	}
	if _, err := h.Org.GetUser(ctx, scopeOf(t, "d2"), user.ID); err != nil {
		t.Fatalf("the user did not follow the unit: %v", err)
	}
	assertIDs(t, listIDs(t, h.Entries, scopeOf(t, "d2"), entries.Query{}), entry.ClientID)
	if page, _ := h.Entries.List(ctx, scopeOf(t, "city"), entries.Query{}); len(page.Items) != 1 ||
		!slices.Equal(page.Items[0].UnitPath, []string{"city", "d2", "t1", "v1"}) {
		t.Fatalf("a listed entry's path after the move: %+v", page.Items)
	}
	assertIDs(t, listIDs(t, h.Entries, scopeOf(t, "d1"), entries.Query{}))
	if _, err := h.Entries.Get(ctx, scopeOf(t, "d1"), entry.ID); !errs.Is(err, errs.NotFound) {
		t.Fatal("the old ancestor still reads the moved entry")
	}
	err = h.Org.MoveUnit(ctx, scopeOf(t, "d1"), newT1, pathT1, epoch)
	wantCode(t, err, errs.NotFound) // d1's admin cannot reach into d2
}

func testCountUnits(t *testing.T, h Harness) {
	if n, err := h.Org.CountUnits(context.Background()); err != nil || n != 0 {
		t.Fatalf("empty store counts %d units (%v)", n, err)
	}
	_, err := h.Org.RootUnit(context.Background())
	wantCode(t, err, errs.NotFound)
	seedUnits(t, h.Org)
	if n, _ := h.Org.CountUnits(context.Background()); n != 5 {
		t.Fatalf("counted %d units, want 5", n)
	}
	if root, err := h.Org.RootUnit(context.Background()); err != nil || root.ID != "city" {
		t.Fatalf("root: %+v %v", root, err)
	}
}
