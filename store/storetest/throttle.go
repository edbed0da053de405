package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"taizhang/auth"
)

// testThrottle: two instances (two throttles on one store) counting guesses
// at one phone at once let through exactly the limit's worth; the failures
// lock the phone on both; a success on either clears it; idle records go.
func testThrottle(t *testing.T, h Harness) {
	ctx := context.Background()
	now := epoch
	clock := func() time.Time { return now }
	a := auth.NewThrottle(5, 15*time.Minute, "phone:", h.Throttle, clock)
	b := auth.NewThrottle(5, 15*time.Minute, "phone:", h.Throttle, clock)
	var granted atomic.Int32
	var settles sync.Map
	var wg sync.WaitGroup
	for i := range 20 {
		th := a
		if i%2 == 1 {
			th = b
		}
		wg.Go(func() {
			settle, _, ok, err := th.Reserve(ctx, "13800138000")
			if err != nil {
				t.Errorf("reserve: %v", err)
			}
			if ok {
				granted.Add(1)
				settles.Store(i, settle)
			}
		})
	}
	wg.Wait()
	if granted.Load() != 5 {
		t.Fatalf("%d of 20 concurrent guesses over two instances let through, want 5", granted.Load())
	}
	locked := false
	settles.Range(func(_, settle any) bool {
		locked = settle.(func(bool) bool)(true) || locked
		return true
	})
	if !locked {
		t.Fatal("five failures must lock the phone")
	}
	for name, th := range map[string]*auth.Throttle{"a": a, "b": b} {
		if _, wait, ok, err := th.Reserve(ctx, "13800138000"); ok || err != nil || wait != 15*time.Minute {
			t.Fatalf("instance %s after the lock: ok=%v wait=%s err=%v", name, ok, wait, err)
		}
	}
	if _, _, ok, _ := a.Reserve(ctx, "13900139000"); !ok {
		t.Fatal("another phone must not be locked")
	}
	now = now.Add(15 * time.Minute)
	settle, _, ok, err := b.Reserve(ctx, "13800138000")
	if !ok || err != nil {
		t.Fatalf("after the lock ends: %v %v", ok, err)
	}
	settle(false)
	if err := a.Succeed(ctx, "13800138000"); err != nil {
		t.Fatal(err)
	}
	if st, err := h.Throttle.ThrottleState(ctx, "phone:13800138000"); err != nil || st.Attempts != 0 || st.Lockouts != 0 || !st.LockedUntil.IsZero() {
		t.Fatalf("after a success: %+v %v", st, err)
	}
	now = now.Add(25 * time.Hour)
	if n, err := a.Forget(ctx); err != nil || n != 2 {
		t.Fatalf("forget: %d %v, want both phones' records", n, err)
	}
}
