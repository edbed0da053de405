// Package session signs people in and keeps them signed in: login with phone and
// password, short-lived access tokens, and rotating refresh tokens whose reuse
// ends the whole session family.
package session

import (
	"context"
	"time"
)

// RefreshToken is the stored form of a refresh token: only its hash is kept, so a
// leaked database does not leak live sessions.
type RefreshToken struct {
	Hash     string // hex SHA-256 of the opaque token
	FamilyID string // every rotation of one login shares it
	UserID   string
	// AuthVersion is the user's at login; a change (roles, unit, password,
	// deactivation) makes every token of the family useless.
	AuthVersion int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Used        bool // rotated: presenting it again means it was stolen
	Revoked     bool // the family was ended (logout, reuse, account change)
}

// Store keeps refresh tokens. It is not scoped by unit: tokens belong to a user
// and are only ever reached through the hash of a secret the caller holds.
type Store interface {
	InsertRefresh(ctx context.Context, t RefreshToken) error
	RefreshByHash(ctx context.Context, hash string) (RefreshToken, error)
	// UseRefresh marks an unused, unrevoked token used; of concurrent callers
	// exactly one succeeds, the others get errs.Conflict.
	UseRefresh(ctx context.Context, hash string) error
	RevokeFamily(ctx context.Context, familyID string) error
}
