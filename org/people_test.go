package org_test

import (
	"context"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/org"
)

// countedUsers counts the reads the people cache saves.
type countedUsers struct {
	org.UserStore
	byID, withRole int
}

func (c *countedUsers) UserByID(ctx context.Context, id string) (org.User, error) {
	c.byID++
	return c.UserStore.UserByID(ctx, id)
}

func (c *countedUsers) WithRole(ctx context.Context, scope auth.Scope, role auth.Role, unitIDs []string) ([]org.User, error) {
	c.withRole++
	return c.UserStore.WithRole(ctx, scope, role, unitIDs)
}

// TestPeopleCacheNeverServesARevokedAccount runs two people caches on one
// store, as two instances would. Reads are kept while nothing changes; a
// supervisor disabled through one instance is refused and no longer reviews
// on the other from its next request on, and within the request that made
// the change at once. On the embedded store and on FerretDB.
func TestPeopleCacheNeverServesARevokedAccount(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			units, users := open(t)
			ctx, now := context.Background(), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			if _, err := org.Bootstrap(ctx, units, users, "示范市", "13800000001", "admin-pass-1",
				auth.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, now); err != nil {
				t.Fatal(err)
			}
			root, _ := units.RootUnit(ctx)
			sup := org.User{ID: "sup", Name: "李审核", Phone: "13800000002", UnitID: root.ID, UnitPath: root.Path,
				Roles: []auth.Role{auth.RoleSupervisor}, Active: true, AuthVersion: 1, CreatedAt: now, UpdatedAt: now}
			if err := users.InsertUser(ctx, auth.SystemScope(root.ID), sup); err != nil {
				t.Fatal(err)
			}
			counted, versions := &countedUsers{UserStore: users}, &countedVersions{UnitStore: units}
			first := &org.PeopleCache{UserStore: counted, Versions: versions}
			second := &org.PeopleCache{UserStore: users, Versions: units}
			reviewers := func(cache *org.PeopleCache, ctx context.Context) []org.User {
				found, err := cache.WithRole(ctx, auth.SystemScope(root.ID), auth.RoleSupervisor, root.Path)
				if err != nil {
					t.Fatal(err)
				}
				return found
			}
			account := func(cache *org.PeopleCache, ctx context.Context) org.User {
				u, err := cache.UserByID(ctx, sup.ID)
				if err != nil {
					t.Fatal(err)
				}
				return u
			}

			for range 3 { // three requests, nothing changes
				request := org.OneVersionsRead(ctx)
				account(first, request)
				account(first, request)
				if found := reviewers(first, request); len(found) != 1 || found[0].Name != "李审核" {
					t.Fatalf("reviewers: %+v", found)
				}
				found := reviewers(first, request)
				found[0].Name = "改掉" // a caller's change must not reach the cache
			}
			if counted.byID != 1 || counted.withRole != 1 || versions.reads != 3 {
				t.Fatalf("three requests read the account %d times, the reviewers %d, the versions %d; want 1, 1, 3",
					counted.byID, counted.withRole, versions.reads)
			}
			if again := reviewers(first, ctx); again[0].Name != "李审核" {
				t.Fatalf("the cache kept a caller's change: %q", again[0].Name)
			}
			if u := account(second, org.OneVersionsRead(ctx)); !u.Active {
				t.Fatal("the second instance should see the supervisor active")
			}
			// A login changes nothing the caches keep, so it leaves them.
			if err := users.RecordLogin(ctx, sup.ID, now.Add(time.Hour), ""); err != nil {
				t.Fatal(err)
			}
			account(first, org.OneVersionsRead(ctx))
			if counted.byID != 1 {
				t.Fatal("a login emptied the cache")
			}

			// The first instance disables the supervisor within a request.
			request := org.OneVersionsRead(ctx)
			stored, _ := users.UserByID(ctx, sup.ID)
			account(first, request)
			stored.Active, stored.AuthVersion = false, 2
			if err := users.UpdateUser(request, auth.SystemScope(root.ID), stored); err != nil {
				t.Fatal(err)
			}
			if u := account(first, request); u.Active || u.AuthVersion != 2 {
				t.Fatalf("the request that disabled the account still sees %+v", u)
			}
			if found := reviewers(first, request); len(found) != 0 {
				t.Fatalf("a disabled supervisor still reviews: %+v", found)
			}
			next := org.OneVersionsRead(ctx)
			if u := account(second, next); u.Active {
				t.Fatal("the other instance still serves the disabled account")
			}
			if found := reviewers(second, next); len(found) != 0 {
				t.Fatalf("the other instance still names the disabled supervisor: %+v", found)
			}
		})
	}
}
