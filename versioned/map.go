// Package versioned keeps what was read from a store for as long as the
// store's change counters stay the same. Several instances share one store,
// so what one instance keeps is trusted only at exactly the counters it was
// read at, and the counters are read (once per request) before it is used.
package versioned

import "sync"

// Version is a store's change counters. After reports whether v was read
// after old: counters only grow, so a reading older than another (a slow
// request's) is never after it.
type Version[V any] interface {
	comparable
	After(old V) bool
}

// Map keeps values by key, all read at one version.
type Map[V Version[V], T any] struct {
	mu   sync.Mutex
	at   V
	kept map[string]T
}

// Get returns what was read at exactly v. A reading newer than the map's
// empties it first.
func (m *Map[V, T]) Get(v V, key string) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.moveTo(v)
	var zero T
	if v != m.at {
		return zero, false
	}
	got, ok := m.kept[key]
	return got, ok
}

// Put keeps what was read after reading v — so it is at least as new as v —
// unless the map has moved past v meanwhile. Beyond max values the map
// starts again empty.
func (m *Map[V, T]) Put(v V, key string, value T, max int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.moveTo(v)
	if v != m.at {
		return
	}
	if m.kept == nil || len(m.kept) >= max {
		m.kept = map[string]T{}
	}
	m.kept[key] = value
}

func (m *Map[V, T]) moveTo(v V) {
	if v.After(m.at) {
		m.at, m.kept = v, nil
	}
}
