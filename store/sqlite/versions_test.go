package sqlite_test

import (
	"context"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/org"
	"taizhang/store/sqlite"
)

// TestVersionsAsTheDatabaseHoldsThem: the store answers the versions from
// memory (versions.go), so after every kind of write — through group commit
// and outside it — they must be what the database holds, as a store opened
// read-only beside it reads them.
func TestVersionsAsTheDatabaseHoldsThem(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	beside, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer beside.Close()
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Millisecond)
	admin := auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	user := org.User{ID: ids.New(now), Name: "张三", Phone: "13800000001", UnitID: "city", UnitPath: []string{"city"},
		Roles: []auth.Role{auth.RoleCadre}, Active: true, PasswordHash: "$argon2id$x", AuthVersion: 1, Rev: 1, CreatedAt: now, UpdatedAt: now}
	form := forms.Definition{ID: ids.New(now), OwnerUnitID: "city", OwnerPath: []string{"city"}, Key: "visit", LatestVersion: 1, Rev: 1,
		Draft: forms.Form{Key: "visit", Title: "走访", Fields: []forms.Field{{Key: "name", Type: "text", Label: "姓名"}}}, CreatedAt: now, UpdatedAt: now}
	writes := []struct {
		name  string
		write func() error
	}{
		{"a unit added", func() error {
			return db.Org().InsertUnit(ctx, admin, org.Unit{ID: "city", Name: "市", Kind: org.KindTownship, Active: true, Path: []string{"city"}, CreatedAt: now, UpdatedAt: now})
		}},
		{"a unit renamed", func() error {
			u, err := db.Org().GetUnit(ctx, admin, "city")
			if err != nil {
				return err
			}
			u.Name = "本市"
			return db.Org().UpdateUnit(ctx, admin, u)
		}},
		{"a user added", func() error { return db.Org().InsertUser(ctx, admin, user) }},
		{"a user disabled", func() error {
			user.Active = false
			return db.Org().UpdateUser(ctx, admin, user)
		}},
		{"a login", func() error { return db.Org().RecordLogin(ctx, user.ID, now, "") }},
		{"a form added", func() error { return db.Forms().InsertForm(ctx, admin, form) }},
		{"a form archived", func() error {
			form.Archived = true
			return db.Forms().UpdateForm(ctx, admin, form)
		}},
	}
	for _, w := range writes {
		before, _ := db.Org().Versions(ctx)
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		known, err := db.Org().Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held, err := beside.Org().Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if known != held {
			t.Fatalf("after %s the store answers versions %+v, the database holds %+v", w.name, known, held)
		}
		t.Logf("%s: %+v → %+v", w.name, before, known)
	}
}
