package mongo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/org"
	"taizhang/store/mongo"
)

// TestInterruptedMoveIsResumedAtStart records a move without performing it, as a
// crash would leave it, and opens the store again: start-up finishes the move.
func TestInterruptedMoveIsResumedAtStart(t *testing.T) {
	b := startFerretDB(t)
	db := b.open(t)
	ctx, root := context.Background(), auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	for _, path := range [][]string{{"city"}, {"city", "d1"}, {"city", "d2"}, {"city", "d1", "t1"}, {"city", "d1", "t1", "v1"}} {
		u := org.Unit{ID: path[len(path)-1], Name: "单位", Kind: org.KindTownship, Active: true, Path: path,
			CreatedAt: time.UnixMilli(0).UTC(), UpdatedAt: time.UnixMilli(0).UTC()}
		if err := db.Org().InsertUnit(ctx, root, u); err != nil {
			t.Fatal(err)
		}
	}
	mongo.RecordMoveOnly(t, db, []string{"city", "d1", "t1"}, []string{"city", "d2", "t1"})
	reopened, err := mongo.Open(ctx, mongo.Options{URI: db.URI(), ConnectTimeout: 10 * time.Second, MaxPoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	v1, err := reopened.Org().GetUnit(ctx, root, "v1")
	if err != nil || !slices.Equal(v1.Path, []string{"city", "d2", "t1", "v1"}) {
		t.Fatalf("v1 after resume: %+v %v", v1, err)
	}
	if t1, _ := reopened.Org().GetUnit(ctx, root, "t1"); t1.ParentID != "d2" {
		t.Fatalf("t1's parent after resume is %q", t1.ParentID)
	}
}
