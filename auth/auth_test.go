package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taizhang/errs"
)

var cheap = PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestPasswordHashing(t *testing.T) {
	hash, err := HashPassword("正确的密码 horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := VerifyPassword("正确的密码 horse", hash, cheap); !ok || rehash || err != nil {
		t.Fatalf("right password: ok=%v rehash=%v err=%v", ok, rehash, err)
	}
	if ok, _, _ := VerifyPassword("wrong", hash, cheap); ok {
		t.Fatal("a wrong password verified")
	}
	stronger := PasswordParams{MemoryKiB: 2048, Time: 2, Threads: 1}
	if ok, rehash, _ := VerifyPassword("正确的密码 horse", hash, stronger); !ok || !rehash {
		t.Fatal("changed parameters must ask for a rehash")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA"} {
		if _, _, err := VerifyPassword("x", bad, cheap); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)} }
func secret(s string) string             { return strings.Repeat(s, 32/len(s)+1) }
func segment(v any) string               { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
func mustTokens(t *testing.T, c *clock, s string, prev ...string) *Tokens {
	t.Helper()
	tokens, err := NewTokens(s, prev, DefaultTTL, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func TestTokenRoundTrip(t *testing.T) {
	c := newClock()
	tokens := mustTokens(t, c, secret("k1"))
	raw, err := tokens.Issue("u1", "unit-1", []Role{RoleSupervisor}, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := tokens.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	scope := claims.Scope()
	if unit, _ := scope.UnitID(); unit != "unit-1" || scope.UserID() != "u1" || !scope.Has(RoleSupervisor) ||
		scope.Has(RoleAdmin) || !claims.MustChangePassword {
		t.Fatalf("claims lost: %+v", claims)
	}
}

// TestTokenAttacks: every forged, altered or stale token is the same 401.
func TestTokenAttacks(t *testing.T) {
	c := newClock()
	tokens := mustTokens(t, c, secret("k1"))
	good, _ := tokens.Issue("u1", "unit-1", []Role{RoleCadre}, false, 1)
	parts := strings.Split(good, ".")
	var payload map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &payload)
	with := func(change func(map[string]any)) string {
		p := map[string]any{}
		for k, v := range payload {
			p[k] = v
		}
		change(p)
		return segment(p)
	}
	signWith := func(method jwt.SigningMethod, key any, claims jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(method, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := c.t.Unix()
	valid := jwt.MapClaims{"iss": Issuer, "aud": Audience, "sub": "u1", "jti": "j", "unit": "unit-1",
		"roles": []string{"cadre"}, "iat": now, "nbf": now, "exp": now + 600}
	claimsWith := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for key, val := range valid {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	kid := KeyID(secret("k1"))
	key := []byte(secret("k1"))
	attacks := map[string]string{
		"alg none":             segment(map[string]string{"alg": "none", "typ": "JWT", "kid": kid}) + "." + parts[1] + ".",
		"signature stripped":   parts[0] + "." + parts[1] + ".",
		"tampered roles":       parts[0] + "." + with(func(p map[string]any) { p["roles"] = []string{"admin"} }) + "." + parts[2],
		"tampered unit":        parts[0] + "." + with(func(p map[string]any) { p["unit"] = "city" }) + "." + parts[2],
		"HS384 instead":        signWith(jwt.SigningMethodHS384, key, valid, kid),
		"other secret":         signWith(jwt.SigningMethodHS256, []byte(secret("evil")), valid, kid),
		"unknown kid":          signWith(jwt.SigningMethodHS256, key, valid, "nope"),
		"expired":              signWith(jwt.SigningMethodHS256, key, claimsWith("exp", now-60), kid),
		"no expiry":            signWith(jwt.SigningMethodHS256, key, claimsWith("exp", nil), kid),
		"not yet valid":        signWith(jwt.SigningMethodHS256, key, claimsWith("nbf", now+600), kid),
		"issued in the future": signWith(jwt.SigningMethodHS256, key, claimsWith("iat", now+600), kid),
		"wrong issuer":         signWith(jwt.SigningMethodHS256, key, claimsWith("iss", "someone"), kid),
		"wrong audience":       signWith(jwt.SigningMethodHS256, key, claimsWith("aud", "other-app"), kid),
		"no subject":           signWith(jwt.SigningMethodHS256, key, claimsWith("sub", nil), kid),
		"no jti":               signWith(jwt.SigningMethodHS256, key, claimsWith("jti", nil), kid),
		"no nbf":               signWith(jwt.SigningMethodHS256, key, claimsWith("nbf", nil), kid),
		"no unit":              signWith(jwt.SigningMethodHS256, key, claimsWith("unit", nil), kid),
		"made-up role":         signWith(jwt.SigningMethodHS256, key, claimsWith("roles", []string{"root"}), kid),
		"garbage":              "not.a.token",
		"empty":                "",
	}
	if _, err := tokens.Verify(signWith(jwt.SigningMethodHS256, key, valid, kid)); err != nil {
		t.Fatalf("the control token must verify: %v", err)
	}
	for name, token := range attacks {
		if _, err := tokens.Verify(token); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("%s: want 401, got %v", name, err)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	c := newClock()
	old := mustTokens(t, c, secret("old"))
	oldToken, _ := old.Issue("u1", "unit-1", []Role{RoleCadre}, false, 1)
	rotated := mustTokens(t, c, secret("new"), secret("old"))
	if _, err := rotated.Verify(oldToken); err != nil {
		t.Fatalf("a token signed with the previous key must verify for its lifetime: %v", err)
	}
	c.advance(DefaultTTL + time.Minute)
	if _, err := rotated.Verify(oldToken); err == nil {
		t.Fatal("an expired token verified")
	}
	onlyNew := mustTokens(t, c, secret("new"))
	fresh, _ := old.Issue("u1", "unit-1", nil, false, 1)
	if _, err := onlyNew.Verify(fresh); err == nil {
		t.Fatal("a retired key must no longer verify")
	}
	if _, err := NewTokens("short", nil, DefaultTTL, c.now); err == nil {
		t.Fatal("a short secret must be refused")
	}
}

// reserve is Throttle.Reserve without its store error (memory never fails).
func reserve(th *Throttle, key string) (func(bool) bool, time.Duration, bool) {
	settle, wait, ok, err := th.Reserve(context.Background(), key)
	if err != nil {
		panic(err)
	}
	return settle, wait, ok
}

// fail reserves and settles a failed attempt.
func fail(t *testing.T, th *Throttle, key string) {
	t.Helper()
	settle, _, ok, _ := th.Reserve(context.Background(), key)
	if !ok {
		t.Fatalf("%s refused before its failure", key)
	}
	settle(true)
}

func TestThrottleLocksAndGrows(t *testing.T) {
	c := newClock()
	th := NewThrottle(5, 15*time.Minute, "phone:", &MemoryThrottleStore{}, c.now)
	for range 4 {
		fail(t, th, "13800138000")
	}
	settle, _, ok := reserve(th, "13800138000")
	if !ok {
		t.Fatal("locked before the limit")
	}
	if !settle(true) {
		t.Fatal("the fifth failure must report the lock")
	}
	_, wait, ok := reserve(th, "13800138000")
	if ok || wait != 15*time.Minute {
		t.Fatalf("after 5 failures: ok=%v wait=%s, want locked for 15m", ok, wait)
	}
	if _, _, ok := reserve(th, "13900139000"); !ok {
		t.Fatal("another key must not be locked")
	}
	c.advance(15 * time.Minute)
	for range 5 {
		fail(t, th, "13800138000")
	}
	if _, wait, _ := reserve(th, "13800138000"); wait != 30*time.Minute {
		t.Fatalf("second lockout = %s, want 30m (growing)", wait)
	}
	_ = th.Succeed(context.Background(), "13800138000")
	if _, _, ok := reserve(th, "13800138000"); !ok {
		t.Fatal("success must clear the key")
	}
}

// TestThrottleCountsAttemptsBeforeTheirOutcome: twenty guesses in flight at
// once — only the limit's worth is let through; the rest wait for the outcome.
func TestThrottleCountsAttemptsBeforeTheirOutcome(t *testing.T) {
	c := newClock()
	th := NewThrottle(5, 15*time.Minute, "phone:", &MemoryThrottleStore{}, c.now)
	var settles []func(bool) bool
	for range 20 {
		if settle, wait, ok := reserve(th, "13800138000"); ok {
			settles = append(settles, settle)
		} else if wait != time.Second {
			t.Fatalf("refused while attempts are in flight: wait %s, want 1s", wait)
		}
	}
	if len(settles) != 5 {
		t.Fatalf("%d of 20 parallel attempts let through, want 5", len(settles))
	}
	settles[0](false) // a right password frees its place…
	next, _, ok := reserve(th, "13800138000")
	if !ok {
		t.Fatal("a settled success must free its place")
	}
	for _, settle := range append(settles[1:], next) {
		settle(true)
	}
	if _, wait, ok := reserve(th, "13800138000"); ok || wait != 15*time.Minute {
		t.Fatalf("after the failures settle: ok=%v wait=%s", ok, wait)
	}
}

func TestZeroScopeMatchesNothing(t *testing.T) {
	if _, ok := (Scope{}).UnitID(); ok {
		t.Fatal("the zero scope must have no unit")
	}
}

// TestVerifiedTokensExpireAndStayBounded: a token remembered as verified still
// expires on time, a forged variant of it is checked in full, and the memory of
// verified tokens has a ceiling.
func TestVerifiedTokensExpireAndStayBounded(t *testing.T) {
	c := newClock()
	tokens := mustTokens(t, c, secret("k1"))
	raw, _ := tokens.Issue("u1", "unit-1", []Role{RoleCadre}, false, 1)
	first, err := tokens.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = RoleAdmin
	if again, err := tokens.Verify(raw); err != nil || again.Roles[0] != RoleCadre {
		t.Fatalf("the remembered claims changed through a caller's copy: %v %v", again, err)
	}
	if _, err := tokens.Verify(raw[:len(raw)-2] + "AA"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a token with another signature verified: %v", err)
	}
	c.advance(DefaultTTL + time.Minute)
	if _, err := tokens.Verify(raw); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a remembered token verified after it expired: %v", err)
	}
	for i := range maxVerifiedTokens + 10 {
		tok, _ := tokens.Issue(fmt.Sprintf("u%d", i), "unit-1", nil, false, 1)
		if _, err := tokens.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tokens.checked.claims); n > maxVerifiedTokens {
		t.Fatalf("%d tokens remembered, ceiling %d", n, maxVerifiedTokens)
	}
}

// TestPasswordSlotsBoundTheWork: beyond the slots callers queue; beyond the
// queue they are told to come back, with a delay.
func TestPasswordSlotsBoundTheWork(t *testing.T) {
	slots := NewPasswordSlots(1, 1)
	release, started := make(chan struct{}), make(chan struct{})
	done := make(chan error, 2)
	go func() { done <- slots.Do(context.Background(), func() { close(started); <-release }) }()
	<-started
	queued := make(chan struct{})
	go func() { done <- slots.Do(context.Background(), func() { close(queued) }) }()
	waitUntil(t, func() bool { return len(slots.waiting) == 2 })
	err := slots.Do(context.Background(), func() { t.Error("ran beyond the queue") })
	var busy *errs.Error
	if !errors.As(err, &busy) || busy.Code != errs.Unavailable || busy.RetryAfter <= 0 {
		t.Fatalf("beyond the queue: %v, want unavailable with a retry delay", err)
	}
	close(release)
	<-queued
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for range 1000 {
		if ok() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never held")
}
