package forms_test

import (
	"context"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/org"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/sqlite"
)

// countedForms counts the definition reads the cache saves.
type countedForms struct {
	forms.Store
	reads int
}

func (c *countedForms) FormByID(ctx context.Context, id string) (forms.Definition, error) {
	c.reads++
	return c.Store.FormByID(ctx, id)
}

// TestDefinitionCacheSeesEveryWrite runs two definition caches on one store,
// as two instances would: reads are kept while nothing changes; a form
// archived through one is archived for the other from its next request on,
// and for the request that archived it at once. On the embedded store and on
// FerretDB.
func TestDefinitionCacheSeesEveryWrite(t *testing.T) {
	backends := map[string]func(t *testing.T) (forms.Store, org.VersionStore){
		"sqlite": func(t *testing.T) (forms.Store, org.VersionStore) {
			db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db.Forms(), db.Org()
		},
		"ferretdb": func(t *testing.T) (forms.Store, org.VersionStore) {
			db := mongotest.StartFerretDB(t).Open(t)
			return db.Forms(), db.Org()
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			store, versions := open(t)
			ctx, now := context.Background(), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			d := forms.Definition{ID: "form-1", OwnerUnitID: "city", OwnerPath: []string{"city"}, Key: "visit",
				Draft: forms.Form{Key: "visit", Title: "走访"}, LatestVersion: 1, Rev: 1, CreatedAt: now, UpdatedAt: now,
				Assignments: []forms.Assignment{{UnitID: "city", Schedule: forms.Schedule{Kind: "once"}}}}
			scope := auth.SystemScope("city")
			if err := store.InsertForm(ctx, scope, d); err != nil {
				t.Fatal(err)
			}
			counted := &countedForms{Store: store}
			first := &forms.DefinitionCache{Store: counted, Version: org.FormsVersion(versions)}
			second := &forms.DefinitionCache{Store: store, Version: org.FormsVersion(versions)}
			read := func(cache *forms.DefinitionCache, ctx context.Context) forms.Definition {
				t.Helper()
				got, err := cache.FormByID(ctx, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			for range 3 {
				got := read(first, org.OneVersionsRead(ctx))
				got.Assignments[0].UnitID = "changed" // a caller's change must not reach the cache
			}
			if counted.reads != 1 {
				t.Fatalf("three requests read the form %d times, want once", counted.reads)
			}
			if got := read(first, ctx); got.Assignments[0].UnitID != "city" {
				t.Fatalf("the cache kept a caller's change: %+v", got.Assignments)
			}
			if got := read(second, org.OneVersionsRead(ctx)); got.Archived {
				t.Fatal("the second instance sees the form archived before it was")
			}

			request := org.OneVersionsRead(ctx)
			stored := read(first, request)
			stored.Archived = true
			if err := store.UpdateForm(request, scope, stored); err != nil {
				t.Fatal(err)
			}
			if !read(first, request).Archived {
				t.Fatal("the request that archived the form still sees it open")
			}
			if !read(second, org.OneVersionsRead(ctx)).Archived {
				t.Fatal("the other instance still serves the form unarchived")
			}
		})
	}
}
