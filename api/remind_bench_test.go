package api

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/org"
)

// BenchmarkReminderSweep: 10,000 villages under 100 townships owe a weekly
// report, each with one cadre; an hour before Friday's due time the sweep
// decides and writes 10,000 reminders (aim < 2 s on SQLite). Beside it,
// filing through the API alone and while a sweep of a second form runs
// (aim: no more than 20% slower). make bench; docs/performance.md.
func BenchmarkReminderSweep(b *testing.B) {
	w := newWorldOn(b, sqliteStores(b))
	w.now = beijing(12, 5, 10)
	ctx, scope := context.Background(), auth.SystemScope("unit-city")
	var villages []org.Unit
	fanOut(b, 100, func(t int) error {
		town := org.Unit{ID: fmt.Sprintf("unit-bt%d", t), ParentID: "unit-city", Name: fmt.Sprintf("镇%d", t), Kind: org.KindTownship,
			Active: true, Path: []string{"unit-city", fmt.Sprintf("unit-bt%d", t)}, CreatedAt: w.now, UpdatedAt: w.now}
		return w.st.org.InsertUnit(ctx, scope, town)
	})
	for i := range 10_000 {
		town := fmt.Sprintf("unit-bt%d", i/100)
		id := fmt.Sprintf("unit-bv%d", i)
		villages = append(villages, org.Unit{ID: id, ParentID: town, Name: fmt.Sprintf("村%d", i), Kind: org.KindVillage, Active: true,
			Path: []string{"unit-city", town, id}, CreatedAt: w.now, UpdatedAt: w.now})
	}
	hash, _ := auth.HashPassword("secret-pass-1", cheapPasswords)
	cadres := make([]org.User, len(villages))
	fanOut(b, len(villages), func(i int) error {
		if err := w.st.org.InsertUnit(ctx, scope, villages[i]); err != nil {
			return err
		}
		v := villages[i]
		cadres[i] = org.User{ID: "user-b" + v.ID, Name: "干部" + v.Name, Phone: fmt.Sprintf("136%08d", i), UnitID: v.ID, UnitPath: v.Path,
			Roles: []auth.Role{auth.RoleCadre}, Active: true, PasswordHash: hash, AuthVersion: 1, Rev: 1, CreatedAt: w.now, UpdatedAt: w.now}
		return w.st.org.InsertUser(ctx, scope, cadres[i])
	})
	weekly := w.publishForm(b, weeklyLite)
	other := weeklyLite
	other.Key, other.Title = "weekly2", "防汛周报"
	w.publishForm(b, other)
	w.now = beijing(12, 11, 11) // an hour before Friday's due time
	w.sweep()
	lw := ledgerWorld{world: w, formID: weekly}

	svc := lw.reminders()
	start := time.Now()
	n, err := svc.Sweep(ctx)
	took := time.Since(start)
	if err != nil || n != 2*len(villages) {
		b.Fatalf("sweep: %d reminders, %v", n, err)
	}

	// Filing alone, then while a sweep runs (its keys were recorded, so a
	// fresh store of keys: a second sweeping service over a new round).
	file := func(count int) float64 {
		var seq atomic.Int64
		start := time.Now()
		fanOut(b, count, func(i int) error {
			k := seq.Add(1)
			c := cadres[int(k)%len(cadres)]
			r := w.call("POST", "/api/v1/forms/"+weekly+"/entries", w.tokenFor(c), map[string]any{
				"clientId": fmt.Sprintf("bench-file-%08d", k+int64(count)*int64(time.Now().Nanosecond()%1000)), "submit": true,
				"data": map[string]any{"progress": "本周走访低保户十二户，解决实际问题三件。"}})
			if r.status != 201 && r.status != 409 {
				return fmt.Errorf("file: %d %s", r.status, r.body)
			}
			return nil
		})
		return float64(count) / time.Since(start).Seconds()
	}
	alone := file(400)
	w.now = beijing(12, 11, 12).Add(time.Minute) // due: escalations for the missing villages
	var during float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = svc.Sweep(ctx) }()
	during = file(400)
	wg.Wait()
	b.ReportMetric(float64(took.Milliseconds()), "sweep-ms")
	b.ReportMetric(float64(n), "reminders")
	b.ReportMetric(alone, "filings/s")
	b.ReportMetric(during, "filings-during-sweep/s")
	b.ReportMetric(during/alone, "during/alone")
}

// fanOut runs fn for 0..n-1 on eight goroutines and fails on the first error.
func fanOut(b *testing.B, n int, fn func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
}
