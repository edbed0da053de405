package versioned

import "testing"

type counter int

func (v counter) After(old counter) bool { return v > old }

// TestMapKeepsOnlyWhatWasReadAtItsVersion: a value is served only at the
// version it was read at; a newer reading empties the map; a slow reader's
// value, read before the map moved on, is not kept; the bound starts it again.
func TestMapKeepsOnlyWhatWasReadAtItsVersion(t *testing.T) {
	var m Map[counter, string]
	m.Put(1, "a", "read at 1", 10)
	if got, ok := m.Get(1, "a"); !ok || got != "read at 1" {
		t.Fatalf("at 1: %q %v", got, ok)
	}
	if _, ok := m.Get(2, "a"); ok {
		t.Fatal("a newer reading was served what was read at 1")
	}
	m.Put(1, "b", "a slow reader's", 10)
	if _, ok := m.Get(1, "b"); ok {
		t.Fatal("an older reading was served after the map moved on")
	}
	if _, ok := m.Get(2, "b"); ok {
		t.Fatal("a slow reader's value was kept under the newer version")
	}
	m.Put(2, "a", "read at 2", 2)
	if _, ok := m.Get(1, "a"); ok {
		t.Fatal("a reading at 1 was served what was read at 2")
	}
	m.Put(2, "b", "read at 2", 2)
	m.Put(2, "c", "read at 2", 2)
	if _, ok := m.Get(2, "a"); ok {
		t.Fatal("the bound did not start the map again")
	}
	if got, ok := m.Get(2, "c"); !ok || got != "read at 2" {
		t.Fatalf("after the bound: %q %v", got, ok)
	}
}
