package auth

import (
	"context"
	"sync"
	"time"
)

// Throttle locks out a key (a phone number, a client IP) after repeated login
// failures: after Limit failures the key is locked for Lock, and every further
// lockout doubles, up to a day. The state is in the store (ThrottleStore), so
// behind a load balancer a guesser spreading attempts over every instance is
// counted once.
//
// An attempt is counted when it starts (Reserve), not when its password check
// ends: otherwise twenty parallel guesses all pass a check made before any of
// them failed. An attempt whose outcome never arrives (the instance died
// mid-check) stays counted, as a failure.
type Throttle struct {
	Limit  int
	Lock   time.Duration
	Prefix string // keeps the phone and address keys apart in one store
	Store  ThrottleStore
	now    func() time.Time
}

// ThrottleState is one key's record.
type ThrottleState struct {
	// Attempts counts failures and attempts still being checked.
	Attempts    int
	Lockouts    int
	LockedUntil time.Time
	LastSeen    time.Time
	// Version is what the stored record was written as; 0: none yet.
	Version int64
}

// ThrottleStore keeps throttle records for every instance to share. Writes
// are compare-and-swap on Version, so two instances counting at once both count.
type ThrottleStore interface {
	// ThrottleState returns key's record, or the zero state if it has none.
	ThrottleState(ctx context.Context, key string) (ThrottleState, error)
	// SwapThrottleState writes next as version prev.Version+1 if the stored
	// record is still at prev.Version (0: absent); false if another writer
	// got there first.
	SwapThrottleState(ctx context.Context, key string, prev, next ThrottleState) (bool, error)
	// ForgetThrottleStates deletes the records neither seen nor locked since
	// before, and returns how many.
	ForgetThrottleStates(ctx context.Context, before time.Time) (int, error)
}

const (
	maxLock = 24 * time.Hour
	// settleWait is what a caller refused only because attempts are still being
	// checked is told to wait: their outcome is known within a second.
	settleWait = time.Second
	// IdleThrottle is how long a record without a lock is kept after its last
	// attempt.
	IdleThrottle = maxLock
)

// NewThrottle returns a throttle keeping its records in store, reading the
// clock through now.
func NewThrottle(limit int, lock time.Duration, prefix string, store ThrottleStore, now func() time.Time) *Throttle {
	return &Throttle{Limit: limit, Lock: lock, Prefix: prefix, Store: store, now: now}
}

// Reserve counts an attempt for key before it is checked. If the key is
// locked, or the attempts counted already reach the limit, the attempt is
// refused (ok false) with how long to wait. Otherwise the caller must call
// settle exactly once with the outcome; settle reports whether the key is now
// locked. A store that cannot be reached is an error: no unthrottled guesses.
func (t *Throttle) Reserve(ctx context.Context, key string) (settle func(failed bool) (locked bool), wait time.Duration, ok bool, err error) {
	key = t.Prefix + key
	err = t.update(ctx, key, func(s *ThrottleState, now time.Time) {
		ok, wait = false, s.LockedUntil.Sub(now)
		if wait > 0 {
			return
		}
		if s.Attempts >= t.Limit {
			wait = settleWait
			return
		}
		s.Attempts++
		s.LastSeen = now
		ok, wait = true, 0
	})
	if err != nil || !ok {
		return nil, wait, false, err
	}
	var once sync.Once
	return func(failed bool) (locked bool) {
		once.Do(func() { locked = t.settle(context.WithoutCancel(ctx), key, failed) })
		return locked
	}, 0, true, nil
}

// settle records a reserved attempt's outcome: a success frees its place, a
// failure that reaches the limit locks the key. If the store fails here the
// attempt stays counted, as a failure.
func (t *Throttle) settle(ctx context.Context, key string, failed bool) (locked bool) {
	_ = t.update(ctx, key, func(s *ThrottleState, now time.Time) {
		switch {
		case !failed:
			s.Attempts = max(s.Attempts-1, 0)
		case s.Attempts >= t.Limit:
			s.LockedUntil = now.Add(min(t.Lock<<s.Lockouts, maxLock))
			s.Lockouts++
			s.Attempts = 0
		}
		locked = s.LockedUntil.After(now)
	})
	return locked
}

// Succeed clears a key's failures and lockouts after a successful login.
func (t *Throttle) Succeed(ctx context.Context, key string) error {
	return t.update(ctx, t.Prefix+key, func(s *ThrottleState, now time.Time) {
		s.Attempts, s.Lockouts, s.LockedUntil = 0, 0, time.Time{}
	})
}

// Forget deletes the records idle for a day and not locked.
func (t *Throttle) Forget(ctx context.Context) (int, error) {
	return t.Store.ForgetThrottleStates(ctx, t.now().Add(-IdleThrottle))
}

// update applies change to key's record until its swap wins: another
// instance's concurrent write makes this one read again and recount.
func (t *Throttle) update(ctx context.Context, key string, change func(s *ThrottleState, now time.Time)) error {
	for {
		prev, err := t.Store.ThrottleState(ctx, key)
		if err != nil {
			return err
		}
		next := prev
		change(&next, t.now())
		if next == prev {
			return nil
		}
		if swapped, err := t.Store.SwapThrottleState(ctx, key, prev, next); err != nil || swapped {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// MemoryThrottleStore keeps throttle records in this process: for tests and
// tools, never for a server behind a load balancer.
type MemoryThrottleStore struct {
	mu      sync.Mutex
	records map[string]ThrottleState
}

// ThrottleState implements ThrottleStore.
func (m *MemoryThrottleStore) ThrottleState(_ context.Context, key string) (ThrottleState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.records[key], nil
}

// SwapThrottleState implements ThrottleStore.
func (m *MemoryThrottleStore) SwapThrottleState(_ context.Context, key string, prev, next ThrottleState) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.records == nil {
		m.records = map[string]ThrottleState{}
	}
	if m.records[key].Version != prev.Version {
		return false, nil
	}
	next.Version = prev.Version + 1
	m.records[key] = next
	return true, nil
}

// ForgetThrottleStates implements ThrottleStore.
func (m *MemoryThrottleStore) ForgetThrottleStates(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.records {
		if s.LastSeen.Before(before) && s.LockedUntil.Before(before) {
			delete(m.records, k)
			n++
		}
	}
	return n, nil
}
