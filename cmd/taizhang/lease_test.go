package main

import (
	"context"
	"testing"
	"time"

	"taizhang/store/sqlite"
)

// TestOneInstanceHoldsTheLease runs two instances' leases on one store: one
// holds it, renews it once half has passed (and only then), and on release
// hands it to the other at once.
func TestOneInstanceHoldsTheLease(t *testing.T) {
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	claims := 0
	claim := func(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
		claims++
		return db.Remind().Claim(ctx, name, holder, now, until)
	}
	a := &lease{claim: claim, name: signalsLease, holder: "a", length: 30 * time.Second}
	b := &lease{claim: claim, name: signalsLease, holder: "b", length: 30 * time.Second}
	ctx, start := context.Background(), time.Now()
	at := func(seconds int) time.Time { return start.Add(time.Duration(seconds) * time.Second) }
	holds := func(l *lease, seconds int, want bool) {
		t.Helper()
		if held, err := l.hold(ctx, at(seconds)); err != nil || held != want {
			t.Fatalf("%s at %ds: held %v (%v), want %v", l.holder, seconds, held, err, want)
		}
	}
	holds(a, 0, true)
	holds(b, 1, false)
	holds(a, 10, true)
	if claims != 2 {
		t.Fatalf("%d claims by the time a holds it a second time, want 2: a renews only once half has passed", claims)
	}
	holds(a, 16, true) // renewed until 46 s
	if claims != 3 {
		t.Fatalf("%d claims, want 3: a renews after half of the lease", claims)
	}
	holds(b, 40, false)
	a.release(ctx, at(41))
	holds(b, 42, true)
	holds(a, 43, false)
}
