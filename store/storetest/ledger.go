package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ledger"
)

// LedgerStore is one adapter's obligation ledger and entry counts.
type LedgerStore = ledger.Store

func runLedger(t *testing.T, open func(t *testing.T) Harness) {
	t.Run("ObligationsAreScoped", func(t *testing.T) {
		t.Parallel()
		testObligations(t, open(t))
	})
	t.Run("FilingsClaimAndSubmit", func(t *testing.T) {
		t.Parallel()
		testFilings(t, open(t))
	})
	t.Run("Exemptions", func(t *testing.T) {
		t.Parallel()
		testExemptions(t, open(t))
	})
	t.Run("RoundCountsAreTheStatuses", func(t *testing.T) {
		t.Parallel()
		testRoundCounts(t, open(t))
	})
	t.Run("CountsFollowTheSteps", func(t *testing.T) {
		t.Parallel()
		testCounts(t, open(t))
	})
}

var dueW48 = epoch.Add(2 * time.Hour) // the entries of newEntry are filed before it

func owedFor(period string, paths ...[]string) []ledger.Obligation {
	var out []ledger.Obligation
	for _, p := range paths {
		out = append(out, ledger.Obligation{FormID: "form-weekly", Period: period, UnitID: p[len(p)-1], UnitPath: p, DueAt: dueW48, Owed: true})
	}
	return out
}

func unitsOf(list []ledger.Obligation) []string {
	out := []string{}
	for _, o := range list {
		out = append(out, o.Period+":"+o.UnitID)
	}
	slices.Sort(out)
	return out
}

func testObligations(t *testing.T, h Harness) {
	ctx := context.Background()
	seedUnits(t, h.Org)
	if err := h.Ledger.Materialize(ctx, "form-weekly", "2026-W48", owedFor("2026-W48", pathV1, pathT1, pathD2)); err != nil {
		t.Fatal(err)
	}
	if err := h.Ledger.Materialize(ctx, "form-weekly", "2026-W49", owedFor("2026-W49", pathV1)); err != nil {
		t.Fatal(err)
	}
	done, err := h.Ledger.Materialized(ctx, "form-weekly")
	if err != nil || !done["2026-W48"] || !done["2026-W49"] || len(done) != 2 {
		t.Fatalf("materialized: %v %v", done, err)
	}
	// Materializing again changes nothing.
	if err := h.Ledger.Materialize(ctx, "form-weekly", "2026-W48", owedFor("2026-W48", pathV1)); err != nil {
		t.Fatal(err)
	}
	list := func(scope auth.Scope, q ledger.ObligationQuery) []string {
		t.Helper()
		q.FormID = "form-weekly"
		got, err := h.Ledger.Obligations(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		return unitsOf(got)
	}
	assertIDs(t, list(scopeOf(t, "city"), ledger.ObligationQuery{}), "2026-W48:d2", "2026-W48:t1", "2026-W48:v1", "2026-W49:v1")
	assertIDs(t, list(scopeOf(t, "d1"), ledger.ObligationQuery{Periods: []string{"2026-W48"}}), "2026-W48:t1", "2026-W48:v1")
	assertIDs(t, list(scopeOf(t, "city"), ledger.ObligationQuery{UnitID: "t1", OwnOnly: true}), "2026-W48:t1")
	assertIDs(t, list(scopeOf(t, "d1"), ledger.ObligationQuery{UnitID: "d2"})) // outside the scope: nothing
	assertIDs(t, list(auth.Scope{}, ledger.ObligationQuery{}))
	got, _ := h.Ledger.Obligations(ctx, scopeOf(t, "v1"), ledger.ObligationQuery{FormID: "form-weekly", Periods: []string{"2026-W48"}})
	if len(got) != 1 || !got[0].Owed || !got[0].DueAt.Equal(dueW48) || !slices.Equal(got[0].UnitPath, pathV1) ||
		got[0].Status(dueW48.Add(time.Minute)) != ledger.Missing || got[0].Status(dueW48.Add(-time.Minute)) != ledger.Pending {
		t.Fatalf("an owed obligation: %+v", got)
	}
	// A move takes the unit's rows along, as it does its entries.
	if err := h.Org.MoveUnit(ctx, scopeOf(t, "city"), pathT1, []string{"city", "d2", "t1"}, epoch); err != nil {
		t.Fatal(err)
	}
	assertIDs(t, list(scopeOf(t, "d2"), ledger.ObligationQuery{Periods: []string{"2026-W48"}}), "2026-W48:d2", "2026-W48:t1", "2026-W48:v1")
	assertIDs(t, list(scopeOf(t, "d1"), ledger.ObligationQuery{}))
}

func testFilings(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	seedUnits(t, h.Org)
	file := func(n int, claim, submit bool) (entries.Entry, error) {
		e := newEntry(pathV1, n)
		e.FormID, e.Period, e.ClientID = "form-weekly", "2026-W48", fmt.Sprintf("filing-%d", n)
		f := &ledger.Filing{FormID: e.FormID, Period: e.Period, UnitID: "v1", UnitPath: pathV1, DueAt: dueW48, EntryID: e.ID, Claim: claim}
		if submit {
			f.SubmittedAt = e.SubmittedAt
		}
		return e, h.Entries.Insert(ctx, scope, e, entries.Effects{Filing: f})
	}
	// Filed before the round was materialized: recorded, owed nothing yet.
	first, err := file(1, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file(2, true, false); !errs.Is(err, errs.Conflict) || !containsParam(err, first.ID) {
		t.Fatalf("a second claim on the round: %v, want a conflict naming %s", err, first.ID)
	}
	if _, err := h.Entries.Get(ctx, scope, newEntry(pathV1, 2).ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the refused entry was stored: %v", err)
	}
	if err := h.Ledger.Materialize(ctx, "form-weekly", "2026-W48", owedFor("2026-W48", pathV1)); err != nil {
		t.Fatal(err)
	}
	// A later submission of another entry (a form filed many times) keeps the first time.
	later, err := file(3, false, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ledger.Get(ctx, h.Ledger, scope, "form-weekly", "2026-W48", "v1")
	if err != nil || !got.Owed || got.EntryID != first.ID || !got.FirstSubmittedAt.Equal(first.SubmittedAt) || later.SubmittedAt.Equal(first.SubmittedAt) {
		t.Fatalf("after two submissions: %+v %v", got, err)
	}
	if got.Status(dueW48) != ledger.OnTime {
		t.Fatalf("status %s, want onTime", got.Status(dueW48))
	}
}

func containsParam(err error, value string) bool {
	var e *errs.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		for _, v := range f.Params {
			if v == value {
				return true
			}
		}
	}
	return false
}

func testExemptions(t *testing.T, h Harness) {
	ctx := context.Background()
	seedUnits(t, h.Org)
	if err := h.Ledger.Materialize(ctx, "form-weekly", "2026-W48", owedFor("2026-W48", pathV1, pathD2)); err != nil {
		t.Fatal(err)
	}
	ex := ledger.Exemption{ID: "ex-1", Reason: "防汛抢险，全员在岗", By: "office", At: epoch}
	if err := h.Ledger.Exempt(ctx, scopeOf(t, "d2"), "form-weekly", "2026-W48", "v1", ex); !errs.Is(err, errs.NotFound) {
		t.Fatalf("exempting outside the scope: %v", err)
	}
	if err := h.Ledger.Exempt(ctx, scopeOf(t, "d1"), "form-weekly", "2026-W48", "v1", ex); err != nil {
		t.Fatal(err)
	}
	if err := h.Ledger.Exempt(ctx, scopeOf(t, "d1"), "form-weekly", "2026-W48", "v1", ex); !errs.Is(err, errs.Conflict) {
		t.Fatalf("exempting twice: %v", err)
	}
	got, _ := ledger.Get(ctx, h.Ledger, scopeOf(t, "city"), "form-weekly", "2026-W48", "v1")
	if got.Exemption == nil || got.Exemption.Reason != ex.Reason || got.Status(epoch) != ledger.Exempted {
		t.Fatalf("exempted: %+v", got)
	}
	if _, err := h.Ledger.Unexempt(ctx, scopeOf(t, "d2"), "ex-1"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unexempting outside the scope: %v", err)
	}
	back, err := h.Ledger.Unexempt(ctx, scopeOf(t, "t1"), "ex-1")
	if err != nil || back.UnitID != "v1" {
		t.Fatalf("unexempt: %+v %v", back, err)
	}
	if got, _ := ledger.Get(ctx, h.Ledger, scopeOf(t, "city"), "form-weekly", "2026-W48", "v1"); got.Exemption != nil {
		t.Fatal("the exemption stayed")
	}
}

// testRoundCounts: the store's sums by child, round and status equal
// ledger.CountRounds over the obligations, before and after the due time.
func testRoundCounts(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	seedUnits(t, h.Org)
	for _, p := range []string{"2026-W48", "2026-W49"} {
		if err := h.Ledger.Materialize(ctx, "form-weekly", p, owedFor(p, pathCity, pathD1, pathT1, pathV1, pathD2)); err != nil {
			t.Fatal(err)
		}
	}
	file := func(n int, path []string, at time.Time) {
		e := newEntry(path, n)
		e.FormID, e.Period, e.SubmittedAt = "form-weekly", "2026-W48", at
		f := &ledger.Filing{FormID: e.FormID, Period: e.Period, UnitID: e.UnitID, UnitPath: path, DueAt: dueW48, EntryID: e.ID, SubmittedAt: at}
		if err := h.Entries.Insert(ctx, scope, e, entries.Effects{Filing: f}); err != nil {
			t.Fatal(err)
		}
	}
	file(1, pathV1, dueW48.Add(-time.Hour)) // on time
	file(2, pathT1, dueW48)                 // on time, to the millisecond
	file(3, pathD2, dueW48.Add(time.Hour))  // late
	if err := h.Ledger.Exempt(ctx, scope, "form-weekly", "2026-W48", "d1", ledger.Exemption{ID: "ex-d1", Reason: "防汛", By: "office", At: epoch}); err != nil {
		t.Fatal(err)
	}
	show := func(list []ledger.RoundCount) []string {
		out := []string{}
		for _, c := range list {
			out = append(out, fmt.Sprintf("%s %s %s %d %v", c.UnitID, c.Period, c.Status, c.N, c.Deeper))
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		scope auth.Scope
		q     ledger.ObligationQuery
	}{
		{scope, ledger.ObligationQuery{}},
		{scope, ledger.ObligationQuery{UnitID: "d1", Periods: []string{"2026-W48"}}},
		{scopeOf(t, "d1"), ledger.ObligationQuery{}},
		{scope, ledger.ObligationQuery{UnitIDs: []string{"v1", "d2"}}},
	} {
		c.q.FormID = "form-weekly"
		list, err := h.Ledger.Obligations(ctx, c.scope, c.q)
		if err != nil {
			t.Fatal(err)
		}
		unit := c.q.UnitID
		if unit == "" {
			unit, _ = c.scope.UnitID()
		}
		for _, now := range []time.Time{dueW48.Add(-time.Minute), dueW48, dueW48.Add(time.Minute)} {
			got, err := h.Ledger.RoundCounts(ctx, c.scope, c.q, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := ledger.CountRounds(list, unit, now); !slices.Equal(show(got), show(want)) {
				t.Errorf("%+v at %s:\n got %v\nwant %v", c.q, now.Sub(dueW48), show(got), show(want))
			}
		}
	}
	if got, _ := h.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: "form-weekly", UnitIDs: []string{"v1", "d2"}}); len(got) != 4 {
		t.Errorf("obligations of two units over two rounds: %d", len(got))
	}
	late, _ := h.Ledger.RoundCounts(ctx, scope, ledger.ObligationQuery{FormID: "form-weekly", Periods: []string{"2026-W48"}}, dueW48.Add(time.Minute))
	assertIDs(t, show(late), "city 2026-W48 missing 1 false", "d1 2026-W48 exempted 1 false", "d1 2026-W48 onTime 2 true", "d2 2026-W48 late 1 false")
}

func testCounts(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	seedUnits(t, h.Org)
	count := func(e entries.Entry, before *entries.Entry) []ledger.Count {
		snap := func(x entries.Entry) ledger.Snapshot {
			return ledger.Snapshot{FormID: x.FormID, UnitID: x.UnitID, UnitPath: x.UnitPath, Bucket: x.Period, Status: x.Status,
				Options: map[string]string{"category": "flood"}}
		}
		if before == nil {
			return ledger.Deltas(nil, snap(e))
		}
		b := snap(*before)
		return ledger.Deltas(&b, snap(e))
	}
	a, b := newEntry(pathV1, 1), newEntry(pathD2, 2)
	for _, e := range []entries.Entry{a, b} {
		if err := h.Entries.Insert(ctx, scope, e, entries.Effects{Counts: count(e, nil)}); err != nil {
			t.Fatal(err)
		}
	}
	approved := a
	approved.Status = "approved"
	if _, err := h.Entries.Update(ctx, scope, approved, 1, entries.Effects{Counts: count(approved, &a)}); err != nil {
		t.Fatal(err)
	}
	cells := func(scope auth.Scope) []string {
		list, err := h.Ledger.Counts(ctx, scope, ledger.CountQuery{FormID: "form-visit"})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, c := range list {
			out = append(out, fmt.Sprintf("%s/%s%s=%d", c.UnitID, c.Status, c.Option, c.N))
		}
		slices.Sort(out)
		return out
	}
	assertIDs(t, cells(scope), "d2/flood=1", "d2/submitted=1", "v1/approved=1", "v1/flood=1")
	assertIDs(t, cells(scopeOf(t, "d1")), "v1/approved=1", "v1/flood=1")

	// Summed by the child of the asked unit: t1's own row and v1's are t1's;
	// the asked unit's own rows stay its own.
	town := newEntry(pathT1, 3)
	if err := h.Entries.Insert(ctx, scope, town, entries.Effects{Counts: count(town, nil)}); err != nil {
		t.Fatal(err)
	}
	byChild := func(unitID string) []string {
		list, err := h.Ledger.Counts(ctx, scope, ledger.CountQuery{FormID: "form-visit", UnitID: unitID, ByChild: true})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, c := range list {
			out = append(out, fmt.Sprintf("%s%v/%s%s=%d", c.UnitID, c.UnitPath, c.Status, c.Option, c.N))
		}
		slices.Sort(out)
		return out
	}
	assertIDs(t, byChild("d1"), "t1[city d1 t1]/approved=1", "t1[city d1 t1]/flood=2", "t1[city d1 t1]/submitted=1")
	assertIDs(t, byChild("t1"), "t1[city d1 t1]/flood=1", "t1[city d1 t1]/submitted=1", "v1[city d1 t1 v1]/approved=1", "v1[city d1 t1 v1]/flood=1")
	assertIDs(t, byChild(""), "d1[city d1]/approved=1", "d1[city d1]/flood=2", "d1[city d1]/submitted=1", "d2[city d2]/flood=1", "d2[city d2]/submitted=1")
	if rows, _ := h.Ledger.Counts(ctx, scope, ledger.CountQuery{FormID: "form-visit"}); len(ledger.SumByChild(rows, "d1")) != 3 {
		t.Fatalf("SumByChild: %v", ledger.SumByChild(rows, "d1"))
	}
	all, _ := h.Ledger.AllCounts(ctx)
	if diffs := ledger.Compare(all, []ledger.Count{}); len(diffs) != 6 {
		t.Fatalf("compare against nothing: %v", diffs)
	}
	if err := h.Ledger.ReplaceCounts(ctx, all[:1]); err != nil {
		t.Fatal(err)
	}
	if built, err := h.Ledger.CountsBuilt(ctx); err != nil || !built {
		t.Fatalf("counts built: %v %v", built, err)
	}
	if again, _ := h.Ledger.AllCounts(ctx); len(ledger.Compare(again, all[:1])) != 0 {
		t.Fatalf("replaced counts: %v", again)
	}
}
