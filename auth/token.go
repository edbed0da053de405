package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taizhang/errs"
	"taizhang/ids"
)

// Token settings fixed by design: one algorithm (HS256), our issuer and audience.
const (
	Issuer         = "taizhang"
	Audience       = "taizhang-api"
	DefaultTTL     = 15 * time.Minute
	minSecretBytes = 32
)

// Claims are what a verified access token says about its bearer.
type Claims struct {
	UserID             string
	UnitID             string
	Roles              []Role
	MustChangePassword bool
	// AuthVersion is the user's auth version when the token was issued; it
	// changes with roles, unit, activation and password, and a write with an
	// older one is refused.
	AuthVersion         int
	TokenID             string
	ExpiresAt, IssuedAt time.Time
}

// Scope is the access scope of the bearer: the subtree of their unit.
func (c Claims) Scope() Scope {
	return Scope{userID: c.UserID, unitID: c.UnitID, roles: slices.Clone(c.Roles)}
}

// jwtClaims is the wire form. Short names keep tokens small on phones.
type jwtClaims struct {
	Unit       string   `json:"unit"`
	Roles      []string `json:"roles"`
	ChangePass bool     `json:"pwc,omitempty"`
	AuthVer    int      `json:"av,omitempty"`
	jwt.RegisteredClaims
}

// Tokens signs and verifies access tokens. The current key signs; previous keys
// still verify, so a secret can be rotated while tokens signed with the old one
// live out their lifetime.
type Tokens struct {
	current string            // kid of the signing key
	keys    map[string][]byte // kid → secret
	ttl     time.Duration
	now     func() time.Time
	checked verifiedTokens
}

// NewTokens makes a signer with secret and optional previous secrets.
func NewTokens(secret string, previous []string, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	t := &Tokens{keys: map[string][]byte{}, ttl: ttl, now: now}
	for i, s := range append([]string{secret}, previous...) {
		if len(s) < minSecretBytes {
			return nil, fmt.Errorf("JWT secret %d is shorter than %d bytes", i, minSecretBytes)
		}
		kid := KeyID(s)
		t.keys[kid] = []byte(s)
		if i == 0 {
			t.current = kid
		}
	}
	return t, nil
}

// KeyID names a secret without revealing it.
func KeyID(secret string) string {
	sum := sha256.Sum256([]byte("taizhang-kid:" + secret))
	return hex.EncodeToString(sum[:6])
}

// TTL is the lifetime of an access token.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for a user at their current auth version.
func (t *Tokens) Issue(userID, unitID string, roles []Role, mustChangePassword bool, authVersion int) (string, error) {
	now := t.now().Truncate(time.Second)
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	claims := jwtClaims{Unit: unitID, Roles: names, ChangePass: mustChangePassword, AuthVer: authVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: userID, ID: ids.New(now),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		}}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	token.Header["kid"] = t.current
	return token.SignedString(t.keys[t.current])
}

var errBadToken = errs.New(errs.Unauthorized, "登录已失效，请重新登录")

// Verify checks an access token completely: the algorithm is HS256 and nothing
// else (no "none", no RS/HS confusion), the kid is one of ours, the signature,
// issuer, audience, expiry, not-before and issued-at hold, and every claim we rely
// on is present. Any failure is the same 401.
func (t *Tokens) Verify(raw string) (Claims, error) {
	now := t.now()
	if claims, ok := t.checked.get(raw, now); ok {
		return claims, nil
	}
	claims, err := t.verify(raw)
	if err == nil {
		t.checked.put(raw, claims, now)
	}
	return claims, err
}

func (t *Tokens) verify(raw string) (Claims, error) {
	var c jwtClaims
	_, err := jwt.ParseWithClaims(raw, &c, t.keyFor,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer), jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(t.now),
		jwt.WithLeeway(5*time.Second))
	if err != nil {
		return Claims{}, errs.Wrap(errs.Unauthorized, errBadToken.Message, err)
	}
	if c.Subject == "" || c.ID == "" || c.Unit == "" || c.NotBefore == nil || c.IssuedAt == nil {
		return Claims{}, errs.Wrap(errs.Unauthorized, errBadToken.Message, errors.New("token lacks required claims"))
	}
	roles := make([]Role, 0, len(c.Roles))
	for _, r := range c.Roles {
		if !ValidRole(Role(r)) {
			return Claims{}, errs.Wrap(errs.Unauthorized, errBadToken.Message, fmt.Errorf("unknown role %q", r))
		}
		roles = append(roles, Role(r))
	}
	return Claims{UserID: c.Subject, UnitID: c.Unit, Roles: roles, MustChangePassword: c.ChangePass, AuthVersion: c.AuthVer,
		TokenID: c.ID, ExpiresAt: c.ExpiresAt.Time, IssuedAt: c.IssuedAt.Time}, nil
}

func (t *Tokens) keyFor(token *jwt.Token) (any, error) {
	kid, _ := token.Header["kid"].(string)
	key, ok := t.keys[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return key, nil
}

// verifiedTokens remembers tokens that passed Verify, until they expire. A phone
// sends the same token with every request for its whole lifetime, and checking
// it again costs tens of microseconds under load; the token string is its own
// proof (any other bytes are checked in full), and the keys never change while
// the process runs. Bounded: when full, expired entries go, else an arbitrary one.
type verifiedTokens struct {
	mu     sync.RWMutex
	claims map[string]Claims
}

const maxVerifiedTokens = 10_000

// get returns a remembered token's claims while it is unexpired; an expired one
// goes through the full check, which refuses it with the usual leeway.
func (v *verifiedTokens) get(raw string, now time.Time) (Claims, bool) {
	v.mu.RLock()
	c, ok := v.claims[raw]
	v.mu.RUnlock()
	if !ok || !now.Before(c.ExpiresAt) {
		return Claims{}, false
	}
	c.Roles = slices.Clone(c.Roles)
	return c, true
}

func (v *verifiedTokens) put(raw string, c Claims, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.claims == nil {
		v.claims = map[string]Claims{}
	}
	if len(v.claims) >= maxVerifiedTokens {
		v.dropExpired(now)
	}
	for old := range v.claims { // still full: any one makes room

		if len(v.claims) < maxVerifiedTokens {
			break
		}
		delete(v.claims, old)
	}
	c.Roles = slices.Clone(c.Roles)
	v.claims[raw] = c
}

func (v *verifiedTokens) dropExpired(now time.Time) {
	for raw, c := range v.claims {
		if !now.Before(c.ExpiresAt) {
			delete(v.claims, raw)
		}
	}
}
