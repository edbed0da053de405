package org

import (
	"context"
	"sync"
)

// Versions are the store's change counters for what nearly every request
// consults and what rarely changes: the unit tree, and the people in it (who
// holds which role where, who is still active and signed in at which
// version). Every instance reads them — one small query — before trusting
// what it keeps in memory, so several instances behind a load balancer never
// act on a stale tree or a revoked account.
type Versions struct {
	Tree   int64 // changes whenever any unit changes
	People int64 // changes whenever a user is added or their name, unit, roles, activity or sign-in version change
	Forms  int64 // changes whenever a form is added or changed (forms.DefinitionCache)
}

// After reports whether v was read after old (versioned.Version): counters
// only grow.
func (v Versions) After(old Versions) bool {
	return v != old && v.Tree >= old.Tree && v.People >= old.People && v.Forms >= old.Forms
}

// VersionStore reads the counters; the org store implements it.
type VersionStore interface {
	Versions(ctx context.Context) (Versions, error)
}

// versionsRead is one request's reading of the versions. A filing looked the
// tree up twice and the people twice (the caller's account, the reviewers),
// each time one more query — one more round trip to MongoDB; now a request
// reads the versions once. A change another instance makes meanwhile is seen
// from the next request on (sooner if this instance reloads for another
// request: a reload always reads the newest data); a change the request makes
// itself is seen at once.
type versionsRead struct {
	mu       sync.Mutex
	versions Versions
	done     bool
}

type versionsReadKey struct{}

// OneVersionsRead returns a context in which the versions are read once (the
// API gives one to each request).
func OneVersionsRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, versionsReadKey{}, &versionsRead{})
}

// ForgetVersionsRead makes the next lookup in ctx read the versions again.
// The stores call it whenever they change a counter, so a request that moves
// a unit or changes a user and then answers answers with the change.
func ForgetVersionsRead(ctx context.Context) {
	if read, ok := ctx.Value(versionsReadKey{}).(*versionsRead); ok {
		read.mu.Lock()
		read.done = false
		read.mu.Unlock()
	}
}

// ReadVersions is the store's versions, read once per request in a context
// from OneVersionsRead (and every time outside one: a background job).
func ReadVersions(ctx context.Context, store VersionStore) (Versions, error) {
	read, _ := ctx.Value(versionsReadKey{}).(*versionsRead)
	if read == nil {
		return store.Versions(ctx)
	}
	read.mu.Lock()
	defer read.mu.Unlock()
	if !read.done {
		v, err := store.Versions(ctx)
		if err != nil {
			return Versions{}, err
		}
		read.versions, read.done = v, true
	}
	return read.versions, nil
}

// FormsVersion reads the forms version from store, once per request: what
// forms.DefinitionCache is given.
func FormsVersion(store VersionStore) func(ctx context.Context) (int64, error) {
	return func(ctx context.Context) (int64, error) {
		v, err := ReadVersions(ctx, store)
		return v.Forms, err
	}
}
