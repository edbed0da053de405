package org

import (
	"context"
	"time"

	"taizhang/auth"
)

// UnitStore keeps the unit tree. Every method is scoped: only units whose path
// contains the scope unit exist for the caller.
type UnitStore interface {
	InsertUnit(ctx context.Context, scope auth.Scope, u Unit) error
	GetUnit(ctx context.Context, scope auth.Scope, id string) (Unit, error)
	// ListUnits returns the caller's whole visible subtree.
	ListUnits(ctx context.Context, scope auth.Scope) ([]Unit, error)
	// UpdateUnit writes Name, Kind, Code, SortOrder, Active and UpdatedAt.
	UpdateUnit(ctx context.Context, scope auth.Scope, u Unit) error
	// MoveUnit re-paths the unit and everything below it — units, users and
	// entries — from oldPath to newPath. It is idempotent: running it again after a
	// crash finishes the job without harm.
	MoveUnit(ctx context.Context, scope auth.Scope, oldPath, newPath []string, at time.Time) error
	// CountUnits counts all units, unscoped: it only tells an empty store (for
	// bootstrap) from a populated one.
	CountUnits(ctx context.Context) (int, error)
	// RootUnit returns the root of the tree, unscoped, for start-up tasks only;
	// errs.NotFound on an empty store.
	RootUnit(ctx context.Context) (Unit, error)
	// Versions are the tree's and the people's change counters, so every
	// instance's caches can tell when they are stale.
	VersionStore
}

// UserStore keeps users. Reads and writes are scoped by the user's unit path,
// except the two authentication reads, which by necessity run before the caller has
// a scope and are used by the session service alone.
type UserStore interface {
	InsertUser(ctx context.Context, scope auth.Scope, u User) error
	GetUser(ctx context.Context, scope auth.Scope, id string) (User, error)
	// ListUsers returns users in the subtree of unitID (the scope's unit if empty),
	// ordered by id, after the id afterID, at most limit.
	ListUsers(ctx context.Context, scope auth.Scope, unitID, afterID string, limit int) ([]User, error)
	// UpdateUser writes every mutable field if the stored Rev equals u.Rev, and
	// stores Rev+1; otherwise errs.Conflict.
	UpdateUser(ctx context.Context, scope auth.Scope, u User) error
	// WithRole returns the active users holding role whose own unit is one of
	// unitIDs, with only ID, UnitID, Name and Phone filled: every filing asks
	// who reviews it, and the office calls the filers of a missing report.
	WithRole(ctx context.Context, scope auth.Scope, role auth.Role, unitIDs []string) ([]User, error)
	// Names returns the names of the given users, wherever their unit: records
	// the caller may read show who filed and acted on them, even someone since
	// moved out of the caller's subtree. The zero scope gets none.
	Names(ctx context.Context, scope auth.Scope, ids []string) (map[string]string, error)
	// CountActiveUsers counts active users in the subtree of unitID.
	CountActiveUsers(ctx context.Context, scope auth.Scope, unitID string) (int, error)

	// UserByPhone and UserByID are for authentication only.
	UserByPhone(ctx context.Context, phone string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	// RecordLogin sets the last login time and, when not empty, a rehashed password.
	RecordLogin(ctx context.Context, id string, at time.Time, newHash string) error
}
