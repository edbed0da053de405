package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/ledger"
)

// BenchHarness is a fresh store for benchmarks. Seed writes many entries fast (one
// transaction or one bulk insert) so large listings can be set up in seconds.
type BenchHarness struct {
	Entries entries.Store
	Seed    func(tb testing.TB, es []entries.Entry)
}

// Bench measures the entry store's hot paths. listSizes are the store sizes at
// which the scoped list is measured.
func Bench(b *testing.B, open func(b *testing.B) BenchHarness, listSizes []int) {
	b.Run("InsertEntry", func(b *testing.B) { benchInsert(b, open(b)) })
	b.Run("InsertEntryRollupCost", func(b *testing.B) { benchRollupCost(b, open(b)) })
	b.Run("GetByID", func(b *testing.B) { benchGet(b, open(b)) })
	b.Run("ConditionalUpdate", func(b *testing.B) { benchUpdate(b, open(b)) })
	for _, n := range listSizes {
		b.Run(fmt.Sprintf("ListNewest20InSubtree/entries=%d", n), func(b *testing.B) { benchList(b, open(b), n) })
		b.Run(fmt.Sprintf("WaitingInSubtree/entries=%d", n), func(b *testing.B) { benchWaiting(b, open(b), n) })
	}
}

// benchWaiting is the tab bar's badge, asked every minute by every
// supervisor and cadre: the entries of a district waiting for review — a
// handful, the rest long approved — and a cadre's own returned ones, among a
// tenth of the city returned. Its cost must follow the handful, not the
// district's history or the city's backlog.
func benchWaiting(b *testing.B, h BenchHarness, n int) {
	es := make([]entries.Entry, n)
	waiting, returned := 0, 0
	for i := range es {
		d, t, v := i%10, (i/10)%10, (i/100)%10
		path := []string{"city", fmt.Sprintf("d%d", d), fmt.Sprintf("d%d-t%d", d, t), fmt.Sprintf("d%d-t%d-v%d", d, t, v)}
		es[i] = newEntry(path, i)
		switch {
		case i%1000 == 3: // waiting in d3
			waiting++
		case i%1000 == 13: // returned to author-d3-t1-v0
			es[i].Status = "returned"
			returned++
		case d == 7: // the rest of the city's returned ones: a tenth of it
			es[i].Status = "returned"
		default:
			es[i].Status, es[i].Open = "approved", false
		}
	}
	h.Seed(b, es)
	ctx, scope := context.Background(), auth.ScopeForTest(b, "d3", "bench", auth.RoleSupervisor)
	b.ResetTimer()
	for range b.N {
		page, err := h.Entries.List(ctx, scope, entries.Query{Status: "submitted", Limit: 100})
		if err != nil || len(page.Items) != waiting {
			b.Fatalf("waiting: %d items, want %d, %v", len(page.Items), waiting, err)
		}
		mine, err := h.Entries.Count(ctx, scope, entries.Query{AuthorID: "author-d3-t1-v0", Status: "returned"})
		if err != nil || mine != returned {
			b.Fatalf("returned: %d, want %d, %v", mine, returned, err)
		}
	}
}

func benchInsert(b *testing.B, h BenchHarness) {
	ctx, scope := context.Background(), auth.ScopeForTest(b, "city", "bench", auth.RoleCadre)
	b.ResetTimer()
	for i := range b.N {
		if err := h.Entries.Insert(ctx, scope, newEntry(pathV1, i)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRollupCost files entries alternately without and with what the ledger
// keeps in the same transaction (the counts by status and by option, the
// round's filing), timing each kind apart: the two share the store and the
// moment, so a disk that is slower for a while slows both, and the ratio is
// the rollup's cost.
func benchRollupCost(b *testing.B, h BenchHarness) {
	ctx, scope := context.Background(), auth.ScopeForTest(b, "city", "bench", auth.RoleCadre)
	var plain, rolled time.Duration
	b.ResetTimer()
	for i := range b.N {
		e := newEntry(pathV1, 2*i)
		start := time.Now()
		if err := h.Entries.Insert(ctx, scope, e); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(start)
		e = newEntry(pathV1, 2*i+1)
		start = time.Now()
		if err := h.Entries.Insert(ctx, scope, e, ledgerEffects(e)); err != nil {
			b.Fatal(err)
		}
		rolled += time.Since(start)
	}
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "ns/filing")
	b.ReportMetric(float64(rolled.Nanoseconds())/float64(b.N), "ns/filing+rollup")
	b.ReportMetric(float64(rolled)/float64(plain), "rollup/plain")
}

// ledgerEffects is what filing e writes in the ledger: its count by status
// and by the option of one reportable field, and its round's first submission.
func ledgerEffects(e entries.Entry) entries.Effects {
	now := ledger.Snapshot{FormID: e.FormID, UnitID: e.UnitID, UnitPath: e.UnitPath, Status: e.Status, Bucket: e.Period,
		Options: map[string]string{"category": "flood"}}
	return entries.Effects{Counts: ledger.Deltas(nil, now), Filing: &ledger.Filing{FormID: e.FormID, Period: e.Period,
		UnitID: e.UnitID, UnitPath: e.UnitPath, DueAt: e.DueAt, EntryID: e.ID, SubmittedAt: e.SubmittedAt}}
}

func benchGet(b *testing.B, h BenchHarness) {
	ctx, scope := context.Background(), auth.ScopeForTest(b, "city", "bench", auth.RoleCadre)
	es := make([]entries.Entry, 1000)
	for i := range es {
		es[i] = newEntry(pathV1, i)
	}
	h.Seed(b, es)
	b.ResetTimer()
	for i := range b.N {
		if _, err := h.Entries.Get(ctx, scope, es[i%len(es)].ID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchUpdate(b *testing.B, h BenchHarness) {
	ctx, scope := context.Background(), auth.ScopeForTest(b, "city", "bench", auth.RoleSupervisor)
	e := newEntry(pathV1, 1)
	h.Seed(b, []entries.Entry{e})
	b.ResetTimer()
	for i := range b.N {
		e.Status = fmt.Sprintf("state-%d", i%7)
		if _, err := h.Entries.Update(ctx, scope, e, i+1); err != nil {
			b.Fatal(err)
		}
	}
}

// benchList seeds n entries over a city of 10 districts × 10 townships × 10
// villages and lists the newest 20 of one district (a tenth of the city).
func benchList(b *testing.B, h BenchHarness, n int) {
	es := make([]entries.Entry, n)
	for i := range es {
		d, t, v := i%10, (i/10)%10, (i/100)%10
		path := []string{"city", fmt.Sprintf("d%d", d), fmt.Sprintf("d%d-t%d", d, t), fmt.Sprintf("d%d-t%d-v%d", d, t, v)}
		es[i] = newEntry(path, i)
	}
	h.Seed(b, es)
	ctx, scope := context.Background(), auth.ScopeForTest(b, "d3", "bench", auth.RoleSupervisor)
	b.ResetTimer()
	for range b.N {
		page, err := h.Entries.List(ctx, scope, entries.Query{Limit: 20})
		if err != nil || len(page.Items) != min(20, n/10) {
			b.Fatalf("list: %d items, %v", len(page.Items), err)
		}
	}
}
