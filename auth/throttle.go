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
//
// An attempt is counted when it starts (Reserve), not when its password check
// ends: otherwise twenty parallel guesses all pass a check made before any of
// them failed.
type Throttle struct {
	Limit int
	Lock  time.Duration
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*attempts
}

type attempts struct {
	failures    int
	inFlight    int // reserved attempts not yet settled
	lockouts    int
	lockedUntil time.Time
	lastSeen    time.Time
}

const (
	maxLock         = 24 * time.Hour
	throttleMaxKeys = 100_000 // beyond this, forget keys idle for a day (memory bound)
	// settleWait is what a caller refused only because attempts are still being
	// checked is told to wait: their outcome is known within a second.
	settleWait = time.Second
)

// NewThrottle returns a throttle reading the clock through now.
func NewThrottle(limit int, lock time.Duration, now func() time.Time) *Throttle {
	return &Throttle{Limit: limit, Lock: lock, now: now, keys: map[string]*attempts{}}
}

// Reserve counts an attempt for key before it is checked. If the key is locked,
// or the failures so far and the attempts in flight already reach the limit,
// the attempt is refused with how long to wait. Otherwise the caller must call
// settle exactly once with the outcome; settle reports whether the key is now
// locked.
func (t *Throttle) Reserve(key string) (settle func(failed bool) (locked bool), retryAfter time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.keys[key]
	if a == nil {
		if len(t.keys) >= throttleMaxKeys {
			t.forgetIdle(now)
		}
		a = &attempts{}
		t.keys[key] = a
	}
	a.lastSeen = now
	if wait := a.lockedUntil.Sub(now); wait > 0 {
		return nil, wait, false
	}
	if a.failures+a.inFlight >= t.Limit {
		return nil, settleWait, false
	}
	a.inFlight++
	var once sync.Once
	return func(failed bool) (locked bool) {
		once.Do(func() { locked = t.settle(a, failed) })
		return locked
	}, 0, true
}

// settle records a reserved attempt's outcome. Keys with attempts in flight are
// never forgotten, so a is still the key's record.
func (t *Throttle) settle(a *attempts, failed bool) (locked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a.inFlight--
	now := t.now()
	if !failed {
		return a.lockedUntil.After(now)
	}
	a.failures++
	if a.failures >= t.Limit {
		lock := min(t.Lock<<a.lockouts, maxLock)
		a.lockedUntil = now.Add(lock)
		a.lockouts++
		a.failures = 0
	}
	return a.lockedUntil.After(now)
}

// Succeed clears a key's failures and lockouts after a successful login.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.keys[key]; a != nil {
		a.failures, a.lockouts, a.lockedUntil = 0, 0, time.Time{}
		if a.inFlight == 0 {
			delete(t.keys, key)
		}
	}
}

func (t *Throttle) forgetIdle(now time.Time) {
	for k, a := range t.keys {
		if a.inFlight == 0 && now.Sub(a.lastSeen) > maxLock && now.After(a.lockedUntil) {
			delete(t.keys, k)
		}
	}
}
