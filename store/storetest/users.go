package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/org"
	"taizhang/session"
)

func newUser(phone string, path []string) org.User {
	return org.User{ID: ids.New(epoch), Name: "张三", Phone: phone, UnitID: path[len(path)-1], UnitPath: path,
		Roles: []auth.Role{auth.RoleCadre, auth.RoleSupervisor}, Active: true, PasswordHash: "$argon2id$x",
		MustChangePassword: true, AuthVersion: 1, Rev: 1, CreatedAt: epoch, UpdatedAt: epoch}
}

func runUsers(t *testing.T, open func(t *testing.T) Harness) {
	tests := map[string]func(t *testing.T, h Harness){
		"RoundTripAndScope":   testUserRoundTrip,
		"PhoneIsUnique":       testUserPhoneUnique,
		"ListScopedAndPaged":  testUserList,
		"UpdateChecksRev":     testUserUpdate,
		"CountActive":         testUserCount,
		"AuthenticationReads": testUserAuthReads,
		"SupervisorsOfUnits":  testSupervisors,
		"PeopleVersion":       testPeopleVersion,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

func testUserRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	u := newUser("13800000001", pathV1)
	if err := h.Org.InsertUser(ctx, scopeOf(t, "t1"), u); err != nil {
		t.Fatal(err)
	}
	got, err := h.Org.GetUser(ctx, scopeOf(t, "d1"), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(u) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, u)
	}
	for _, other := range []string{"d2", "nope"} {
		_, err := h.Org.GetUser(ctx, scopeOf(t, other), u.ID)
		wantCode(t, err, errs.NotFound)
	}
	_, err = h.Org.GetUser(ctx, auth.Scope{}, u.ID)
	wantCode(t, err, errs.NotFound)
	wantCode(t, h.Org.InsertUser(ctx, scopeOf(t, "d2"), newUser("13800000002", pathV1)), errs.Forbidden)
}

func testUserPhoneUnique(t *testing.T, h Harness) {
	ctx := context.Background()
	if err := h.Org.InsertUser(ctx, scopeOf(t, "city"), newUser("13800000001", pathV1)); err != nil {
		t.Fatal(err)
	}
	err := h.Org.InsertUser(ctx, scopeOf(t, "city"), newUser("13800000001", pathD2))
	wantCode(t, err, errs.Invalid)
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "phone" {
		t.Fatalf("a duplicate phone must be reported on the phone field: %v", err)
	}
}

func testUserList(t *testing.T, h Harness) {
	ctx, root := context.Background(), scopeOf(t, "city")
	var inD1 []string
	for i, path := range [][]string{pathD1, pathT1, pathV1, pathD2, pathV1} {
		u := newUser(fmt.Sprintf("1380000000%d", i), path)
		u.ID = ids.New(epoch.Add(time.Duration(i) * time.Second))
		if err := h.Org.InsertUser(ctx, root, u); err != nil {
			t.Fatal(err)
		}
		if path[1] == "d1" {
			inD1 = append(inD1, u.ID)
		}
	}
	page1, _ := h.Org.ListUsers(ctx, scopeOf(t, "d1"), "", "", 3)
	page2, _ := h.Org.ListUsers(ctx, scopeOf(t, "d1"), "", page1[len(page1)-1].ID, 3)
	got := []string{}
	for _, u := range append(page1, page2...) {
		got = append(got, u.ID)
	}
	assertIDs(t, got, inD1...)
	if v1, _ := h.Org.ListUsers(ctx, scopeOf(t, "d1"), "v1", "", 10); len(v1) != 2 {
		t.Fatalf("v1 has %d users, want 2", len(v1))
	}
	if foreign, _ := h.Org.ListUsers(ctx, scopeOf(t, "d1"), "d2", "", 10); len(foreign) != 0 {
		t.Fatalf("a foreign unit filter leaked %d users", len(foreign))
	}
}

func testUserUpdate(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "d1")
	u := newUser("13800000001", pathV1)
	if err := h.Org.InsertUser(ctx, scope, u); err != nil {
		t.Fatal(err)
	}
	u.Name, u.Roles, u.Active, u.AuthVersion, u.UnitID, u.UnitPath = "李四", []auth.Role{auth.RoleAdmin}, false, 2, "t1", pathT1
	if err := h.Org.UpdateUser(ctx, scope, u); err != nil {
		t.Fatal(err)
	}
	got, _ := h.Org.GetUser(ctx, scope, u.ID)
	if got.Name != "李四" || got.Active || got.AuthVersion != 2 || got.Rev != 2 || got.UnitID != "t1" || len(got.Roles) != 1 {
		t.Fatalf("update lost: %+v", got)
	}
	wantCode(t, h.Org.UpdateUser(ctx, scope, u), errs.Conflict) // u.Rev is stale now
	got.UnitID, got.UnitPath = "d2", pathD2
	wantCode(t, h.Org.UpdateUser(ctx, scope, got), errs.NotFound) // cannot move a user out of scope
}

func testUserCount(t *testing.T, h Harness) {
	ctx, root := context.Background(), scopeOf(t, "city")
	for i, path := range [][]string{pathT1, pathV1, pathD2} {
		u := newUser(fmt.Sprintf("1390000000%d", i), path)
		u.Active = i != 1
		if err := h.Org.InsertUser(ctx, root, u); err != nil {
			t.Fatal(err)
		}
	}
	for unit, want := range map[string]int{"city": 2, "d1": 1, "v1": 0, "d2": 1} {
		if n, _ := h.Org.CountActiveUsers(ctx, root, unit); n != want {
			t.Errorf("active users under %s = %d, want %d", unit, n, want)
		}
	}
	if n, _ := h.Org.CountActiveUsers(ctx, scopeOf(t, "d1"), "d2"); n != 0 {
		t.Errorf("counting a foreign subtree leaked %d", n)
	}
}

func testUserAuthReads(t *testing.T, h Harness) {
	ctx := context.Background()
	u := newUser("13800000001", pathV1)
	if err := h.Org.InsertUser(ctx, scopeOf(t, "city"), u); err != nil {
		t.Fatal(err)
	}
	byPhone, err := h.Org.UserByPhone(ctx, "13800000001")
	if err != nil || byPhone.ID != u.ID {
		t.Fatalf("by phone: %+v %v", byPhone, err)
	}
	_, err = h.Org.UserByPhone(ctx, "13800000009")
	wantCode(t, err, errs.NotFound)
	at := epoch.Add(time.Hour)
	if err := h.Org.RecordLogin(ctx, u.ID, at, "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	byID, _ := h.Org.UserByID(ctx, u.ID)
	if !byID.LastLoginAt.Equal(at) || byID.PasswordHash != "$argon2id$new" {
		t.Fatalf("login not recorded: %+v", byID)
	}
	_ = h.Org.RecordLogin(ctx, u.ID, at.Add(time.Hour), "")
	if again, _ := h.Org.UserByID(ctx, u.ID); again.PasswordHash != "$argon2id$new" {
		t.Fatal("an empty new hash must keep the password")
	}
}

// testPeopleVersion: what the people caches keep (org.PeopleCache) is
// trusted only while the people version stays the same, so every change to
// it must move the version; a login, which changes nothing they keep, must
// not (it would empty every instance's caches each morning).
func testPeopleVersion(t *testing.T, h Harness) {
	ctx := context.Background()
	people := func() int64 { return versionsNow(t, h).People }
	start := people()
	u := newUser("13800000001", pathV1)
	if err := h.Org.InsertUser(ctx, scopeOf(t, "city"), u); err != nil {
		t.Fatal(err)
	}
	added := people()
	if added <= start {
		t.Fatalf("adding a user left the people version at %d", added)
	}
	if err := h.Org.RecordLogin(ctx, u.ID, epoch.Add(time.Hour), "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	if got := people(); got != added {
		t.Fatalf("a login moved the people version %d → %d", added, got)
	}
	stale := u
	u.Active = false
	if err := h.Org.UpdateUser(ctx, scopeOf(t, "city"), u); err != nil {
		t.Fatal(err)
	}
	disabled := people()
	if disabled <= added {
		t.Fatalf("disabling a user left the people version at %d", disabled)
	}
	wantCode(t, h.Org.UpdateUser(ctx, scopeOf(t, "city"), stale), errs.Conflict)
	if got := people(); got != disabled {
		t.Fatalf("a refused update moved the people version %d → %d", disabled, got)
	}
}

// versionsNow reads the store's change counters (org.Versions).
func versionsNow(t *testing.T, h Harness) org.Versions {
	t.Helper()
	v, err := h.Org.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func runSessions(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("RotateOnceAndRevokeFamily", func(t *testing.T) {
		t.Parallel()
		testSessions(t, open(t))
	})
}

func testSessions(t *testing.T, h Harness) {
	ctx := context.Background()
	tok := session.RefreshToken{Hash: "h1", FamilyID: "f1", UserID: "u1", AuthVersion: 3, CreatedAt: epoch,
		ExpiresAt: epoch.Add(24 * time.Hour)}
	sibling := tok
	sibling.Hash = "h2"
	for _, rt := range []session.RefreshToken{tok, sibling} {
		if err := h.Sessions.InsertRefresh(ctx, rt); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.Sessions.RefreshByHash(ctx, "h1")
	if err != nil || got != tok {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	_, err = h.Sessions.RefreshByHash(ctx, "nope")
	wantCode(t, err, errs.NotFound)
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); results <- h.Sessions.UseRefresh(ctx, "h1") }()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
		} else if !errs.Is(err, errs.Conflict) {
			t.Errorf("a losing rotation must be a conflict, got %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent rotations of one token won, want 1", wins)
	}
	if err := h.Sessions.RevokeFamily(ctx, "f1"); err != nil {
		t.Fatal(err)
	}
	if s, _ := h.Sessions.RefreshByHash(ctx, "h2"); !s.Revoked {
		t.Fatal("revoking the family must revoke every token in it")
	}
	wantCode(t, h.Sessions.UseRefresh(ctx, "h2"), errs.Conflict)
}

func testSupervisors(t *testing.T, h Harness) {
	ctx, root := context.Background(), scopeOf(t, "city")
	add := func(phone string, path []string, active bool, roles ...auth.Role) string {
		u := newUser(phone, path)
		u.Roles, u.Active = roles, active
		if err := h.Org.InsertUser(ctx, root, u); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	d1 := add("13700000001", pathD1, true, auth.RoleSupervisor, auth.RoleCadre)
	add("13700000002", pathD1, false, auth.RoleSupervisor) // inactive
	add("13700000003", pathT1, true, auth.RoleCadre)       // not a supervisor
	add("13700000004", pathV1, true, auth.RoleSupervisor)  // not one of the units asked
	city := add("13700000005", pathCity, true, auth.RoleSupervisor)
	got, err := h.Org.WithRole(ctx, root, auth.RoleSupervisor, []string{"city", "d1", "t1"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, u := range got {
		ids = append(ids, u.ID)
		if u.Name == "" || u.UnitID == "" {
			t.Errorf("a reviewer without name or unit: %+v", u)
		}
	}
	slices.Sort(ids)
	want := []string{d1, city}
	slices.Sort(want)
	assertIDs(t, ids, want...)
	if got, _ := h.Org.WithRole(ctx, scopeOf(t, "d2"), auth.RoleSupervisor, []string{"city", "d1"}); len(got) != 0 {
		t.Fatalf("out-of-scope supervisors leaked: %v", got)
	}
	cadres, _ := h.Org.WithRole(ctx, root, auth.RoleCadre, []string{"d1", "t1"})
	if len(cadres) != 2 {
		t.Fatalf("cadres of d1 and t1: %+v", cadres)
	}
	// The ledger asks for the cadres of every unit in the tree: a province's
	// 51,000 ids, more than one SQLite statement may bind.
	many := make([]string, 0, 40_001)
	for i := range 40_000 {
		many = append(many, fmt.Sprintf("u%05d", i))
	}
	cadres, err = h.Org.WithRole(ctx, root, auth.RoleCadre, append(many, "t1"))
	if err != nil || len(cadres) != 1 {
		t.Fatalf("cadres among 40,001 units: %+v %v", cadres, err)
	}
	names, err := h.Org.Names(ctx, scopeOf(t, "d2"), []string{d1, city, "nobody"})
	if err != nil || len(names) != 2 || names[d1] == "" {
		t.Fatalf("names, asked from another district: %v %v", names, err)
	}
	if none, _ := h.Org.Names(ctx, auth.Scope{}, []string{d1}); len(none) != 0 {
		t.Fatalf("the zero scope read names: %v", none)
	}
}
