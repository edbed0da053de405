package sqlite_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"taizhang/store/sqlite"
)

// TestAWriteThatFailsFailsAlone: writes committed together run without
// savepoints, so a failed one rolls back the whole transaction and the
// batch runs again. Whatever fails, the others are stored once each and
// answered as stored; what a failed write wrote before failing is not.
func TestAWriteThatFailsFailsAlone(t *testing.T) {
	db := openTestDB(t)
	var mu sync.Mutex
	runs := map[string]int{}
	refused := errors.New("refused")
	write := func(key string, fail bool) func(func(string, ...any) error) error {
		return func(exec func(string, ...any) error) error {
			mu.Lock()
			runs[key]++
			mu.Unlock()
			if err := exec(`INSERT INTO meta (key, value) VALUES (?, 1)`, key); err != nil {
				return err
			}
			if fail {
				return refused
			}
			return nil
		}
	}
	before := sqlite.MetaKeys(t, db)
	results := sqlite.InOneBatch(db, write("a", false), write("b", true), write("c", false), write("d", true),
		write("e", false), write("a", false)) // the last: a key already taken, refused by the store
	for i, want := range []error{nil, refused, nil, refused, nil} {
		if !errors.Is(results[i], want) {
			t.Errorf("write %d: %v, want %v", i, results[i], want)
		}
	}
	if results[5] == nil {
		t.Errorf("a second a: %v, want the store's refusal", results[5])
	}
	var added []string
	for _, k := range sqlite.MetaKeys(t, db) {
		if !slices.Contains(before, k) {
			added = append(added, k)
		}
	}
	if !slices.Equal(added, []string{"a", "c", "e"}) {
		t.Errorf("stored %v, want [a c e]", added)
	}
	for key, n := range runs {
		if n > 3 { // a is two writes; each write runs at most twice
			t.Errorf("%s ran %d times", key, n)
		}
	}

	// Alone in its batch, a failed write stores nothing either.
	if results := sqlite.InOneBatch(db, write("f", true)); !errors.Is(results[0], refused) {
		t.Errorf("alone: %v", results[0])
	}
	if slices.Contains(sqlite.MetaKeys(t, db), "f") {
		t.Error("a failed write alone in its batch was stored")
	}
}

// TestFailuresAmongManyWrites: writes from many goroutines at once, batched
// however the committer finds them, one in five failing after it wrote.
// Exactly those answered as stored are stored.
func TestFailuresAmongManyWrites(t *testing.T) {
	db := openTestDB(t)
	before := sqlite.MetaKeys(t, db)
	refused := errors.New("refused")
	var mu sync.Mutex
	var stored []string
	var wg sync.WaitGroup
	for i := range 300 {
		key := fmt.Sprintf("k%03d", i)
		wg.Go(func() {
			err := sqlite.Write(db, func(exec func(string, ...any) error) error {
				if err := exec(`INSERT INTO meta (key, value) VALUES (?, 1)`, key); err != nil {
					return err
				}
				if i%5 == 0 {
					return refused
				}
				return nil
			})
			switch {
			case err == nil:
				mu.Lock()
				stored = append(stored, key)
				mu.Unlock()
			case !errors.Is(err, refused):
				t.Errorf("%s: %v", key, err)
			}
		})
	}
	wg.Wait()
	var added []string
	for _, k := range sqlite.MetaKeys(t, db) {
		if !slices.Contains(before, k) {
			added = append(added, k)
		}
	}
	slices.Sort(stored)
	if len(stored) != 240 || !slices.Equal(added, stored) {
		t.Fatalf("answered as stored %d, stored %d (want 240 of each, the same)", len(stored), len(added))
	}
}

// TestWritesArrivingTogetherWaitForMore: when the committer finds several
// writes queued, it waits before committing, so that a write prepared
// meanwhile shares their transaction; a write that comes alone does not wait.
func TestWritesArrivingTogetherWaitForMore(t *testing.T) {
	db := openTestDB(t)
	const delay = 3 * time.Second
	sqlite.SetCommitDelay(db, delay)

	started := time.Now()
	if _, err := sqlite.WriteTxn(db); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(started); waited >= delay/2 {
		t.Fatalf("a write alone took %v: it waited for others", waited)
	}

	release := sqlite.Hold(db)
	txns := make([]any, 3)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { txns[i], _ = sqlite.WriteTxn(db) })
		sqlite.WaitQueued(db, i+1)
	}
	release()
	sqlite.WaitQueued(db, 0) // the two are taken: the committer waits now
	wg.Go(func() { txns[2], _ = sqlite.WriteTxn(db) })
	wg.Wait()
	if txns[0] == nil || txns[0] != txns[1] || txns[1] != txns[2] {
		t.Errorf("the write that came while the committer waited was not in the same transaction: %p %p %p", txns...)
	}
}
