package auth

import (
	"sync"
	"time"
)

// Throttle locks out a key (a phone number, a client IP) after repeated login
// failures: after Limit failures the key is locked for Lock, and every further
// lockout doubles, up to a day. State is in memory, per instance: behind a load
// balancer each instance throttles on its own, which still bounds guessing to
// Limit × instances per lock period.
type Throttle struct {
	Limit int
	Lock  time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*attempts
}

type attempts struct {
	failures    int
	lockouts    int
	lockedUntil time.Time
	lastSeen    time.Time
}

const (
	maxLock         = 24 * time.Hour
	throttleMaxKeys = 100_000 // beyond this, forget keys idle for a day (memory bound)
)

// NewThrottle returns a throttle reading the clock through now.
func NewThrottle(limit int, lock time.Duration, now func() time.Time) *Throttle {
	return &Throttle{Limit: limit, Lock: lock, now: now, keys: map[string]*attempts{}}
}

// Allow reports whether key may try now, and if not, how long until it may.
func (t *Throttle) Allow(key string) (retryAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.keys[key]
	if a == nil {
		return 0, true
	}
	if wait := a.lockedUntil.Sub(t.now()); wait > 0 {
		return wait, false
	}
	return 0, true
}

// Fail records a failed attempt.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.keys) >= throttleMaxKeys {
		t.forgetIdle(now)
	}
	a := t.keys[key]
	if a == nil {
		a = &attempts{}
		t.keys[key] = a
	}
	a.lastSeen = now
	a.failures++
	if a.failures >= t.Limit {
		lock := min(t.Lock<<a.lockouts, maxLock)
		a.lockedUntil = now.Add(lock)
		a.lockouts++
		a.failures = 0
	}
}

// Succeed clears a key after a successful login.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

func (t *Throttle) forgetIdle(now time.Time) {
	for k, a := range t.keys {
		if now.Sub(a.lastSeen) > maxLock && now.After(a.lockedUntil) {
			delete(t.keys, k)
		}
	}
}
