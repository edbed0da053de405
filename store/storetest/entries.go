package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/signals"
)

// A small unit tree: city → district d1 → township t1 → village v1, and a sibling
// district d2 whose data d1's people must never see.
var (
	pathCity = []string{"city"}
	pathD1   = []string{"city", "d1"}
	pathT1   = []string{"city", "d1", "t1"}
	pathV1   = []string{"city", "d1", "t1", "v1"}
	pathD2   = []string{"city", "d2"}
)

func scopeOf(t *testing.T, unitID string) auth.Scope {
	return auth.ScopeForTest(t, unitID, "user-"+unitID, auth.RoleSupervisor)
}

// newEntry returns a valid entry created n milliseconds after epoch in the unit at path.
func newEntry(path []string, n int) entries.Entry {
	at := epoch.Add(time.Duration(n) * time.Millisecond)
	return entries.Entry{
		ID: ids.New(at), FormID: "form-visit", FormVersion: 3,
		UnitID: path[len(path)-1], UnitPath: path,
		AuthorID: "author-" + path[len(path)-1], ClientID: fmt.Sprintf("client-%d", n),
		Status: "submitted", Rev: 1, Period: "2026-W48", Title: "张三家",
		Data:        json.RawMessage(`{"name":"张三","size":4,"poor":"y","members":[{"name":"李四"}],"subsidy":120.5}`),
		PayloadHash: fmt.Sprintf("hash-%d", n),
		DueAt:       epoch.Add(72 * time.Hour), CreatedAt: at, SubmittedAt: at, UpdatedAt: at,
		ClientCreatedAt: at.Add(-3 * time.Minute), Open: true,
		Attachments: []string{"0123456789abcdef01234567"},
		History: []entries.Event{{At: at, ActorID: "author-" + path[len(path)-1], ActorRole: "cadre", Action: "submit",
			From: "draft", To: "submitted", Changes: []entries.Change{{Path: "name", Before: nil, After: "张三"}}}},
	}
}

func mustInsert(t *testing.T, s entries.Store, scope auth.Scope, e entries.Entry) {
	t.Helper()
	if err := s.Insert(context.Background(), scope, e); err != nil {
		t.Fatalf("insert %s: %v", e.ClientID, err)
	}
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("want error %q, got %v", code, err)
	}
}

// assertSameEntry compares field by field, JSON data by meaning (a document store
// may reorder nothing but may re-encode numbers).
func assertSameEntry(t *testing.T, got, want entries.Entry) {
	t.Helper()
	var gotData, wantData any
	if err := json.Unmarshal(got.Data, &gotData); err != nil {
		t.Fatalf("stored data is not JSON: %v (%s)", err, got.Data)
	}
	_ = json.Unmarshal(want.Data, &wantData)
	if !reflect.DeepEqual(gotData, wantData) {
		t.Errorf("data: got %s, want %s", got.Data, want.Data)
	}
	got.Data, want.Data = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry differs:\n got %+v\nwant %+v", got, want)
	}
}

func runEntries(t *testing.T, open func(t *testing.T) Harness) {
	tests := map[string]func(t *testing.T, h Harness){
		"InsertGetRoundTrip":         testInsertGet,
		"ZeroTimesStayZero":          testZeroTimes,
		"GetOutsideScopeIsNotFound":  testGetScope,
		"InsertOutsideScopeRefused":  testInsertScope,
		"ClientIDUniquePerAuthor":    testClientIDUnique,
		"ConcurrentReplaysOneWins":   testConcurrentReplays,
		"UpdateChecksRevision":       testUpdateRevision,
		"SignalsCheckedOnce":         testSignalsCheckedOnce,
		"ConcurrentUpdatesOneWins":   testConcurrentUpdates,
		"UpdateOutsideScopeNotFound": testUpdateScope,
		"ListIsScoped":               testListScoped,
		"ListFilters":                testListFilters,
		"ListUnitFilterIntersects":   testListUnitFilter,
		"ListPagesStableUnderInsert": testListPagination,
		"ListRejectsBadInput":        testListBadInput,
		"ListOverdueRangeAndSearch":  testListOverdueRangeAndSearch,
		"ListCarriesLastEvent":       testListCarriesLastEvent,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

func testInsertGet(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "t1")
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scope, e)
	got, err := h.Entries.Get(ctx, scope, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSameEntry(t, got, e)
	byClient, err := h.Entries.GetByClientID(ctx, scope, e.AuthorID, e.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	assertSameEntry(t, byClient, e)
}

func testZeroTimes(t *testing.T, h Harness) {
	scope := scopeOf(t, "v1")
	e := newEntry(pathV1, 1)
	e.SubmittedAt, e.DueAt, e.ClientCreatedAt, e.Period = time.Time{}, time.Time{}, time.Time{}, ""
	e.Status, e.Attachments, e.History, e.Open = "draft", nil, nil, false
	mustInsert(t, h.Entries, scope, e)
	got, err := h.Entries.Get(context.Background(), scope, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertSameEntry(t, got, e)
}

func testGetScope(t *testing.T, h Harness) {
	ctx := context.Background()
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scopeOf(t, "v1"), e)
	for _, unit := range []string{"d2", "v1-neighbour"} {
		_, err := h.Entries.Get(ctx, scopeOf(t, unit), e.ID)
		wantCode(t, err, errs.NotFound)
		_, err = h.Entries.GetByClientID(ctx, scopeOf(t, unit), e.AuthorID, e.ClientID)
		wantCode(t, err, errs.NotFound)
	}
	_, err := h.Entries.Get(ctx, auth.Scope{}, e.ID)
	wantCode(t, err, errs.NotFound)
	_, err = h.Entries.Get(ctx, scopeOf(t, "city"), ids.New(epoch))
	wantCode(t, err, errs.NotFound)
	if _, err := h.Entries.Get(ctx, scopeOf(t, "city"), e.ID); err != nil {
		t.Fatalf("an ancestor must see the entry: %v", err)
	}
}

func testInsertScope(t *testing.T, h Harness) {
	err := h.Entries.Insert(context.Background(), scopeOf(t, "d2"), newEntry(pathV1, 1))
	wantCode(t, err, errs.Forbidden)
	err = h.Entries.Insert(context.Background(), auth.Scope{}, newEntry(pathV1, 2))
	wantCode(t, err, errs.Forbidden)
}

func testClientIDUnique(t *testing.T, h Harness) {
	scope := scopeOf(t, "city")
	first := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scope, first)
	again := newEntry(pathV1, 2)
	again.ClientID = first.ClientID
	wantCode(t, h.Entries.Insert(context.Background(), scope, again), errs.Duplicate)
	other := again
	other.AuthorID = "someone-else"
	mustInsert(t, h.Entries, scope, other) // the key is per author
}

func testConcurrentReplays(t *testing.T, h Harness) {
	const replays = 20
	scope := scopeOf(t, "v1")
	var wg sync.WaitGroup
	results := make(chan error, replays)
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := newEntry(pathV1, 100+i)
			e.ClientID = "same-device-id"
			results <- h.Entries.Insert(context.Background(), scope, e)
		}()
	}
	wg.Wait()
	close(results)
	created := 0
	for err := range results {
		switch {
		case err == nil:
			created++
		case !errs.Is(err, errs.Duplicate):
			t.Errorf("a replay must fail as duplicate, got %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d entries created from one clientId, want exactly 1", created)
	}
}

func testUpdateRevision(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "t1")
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scope, e)
	e.Status, e.Data, e.UpdatedAt = "approved", json.RawMessage(`{"name":"王五"}`), epoch.Add(time.Hour)
	e.Open, e.Attachments, e.Title = false, nil, "王五家"
	e.History = append(e.History, entries.Event{At: epoch.Add(time.Hour), ActorID: "boss", ActorRole: "supervisor",
		Action: "approve", From: "submitted", To: "approved", Comment: "同意"})
	updated, err := h.Entries.Update(ctx, scope, e, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.Rev = 2
	assertSameEntry(t, updated, e)
	stored, _ := h.Entries.Get(ctx, scope, e.ID)
	assertSameEntry(t, stored, e)
	_, err = h.Entries.Update(ctx, scope, e, 1)
	wantCode(t, err, errs.Conflict)
	e.ID = ids.New(epoch)
	_, err = h.Entries.Update(ctx, scope, e, 2)
	wantCode(t, err, errs.NotFound)
}

func testConcurrentUpdates(t *testing.T, h Harness) {
	scope := scopeOf(t, "d1")
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scope, e)
	const racers = 8
	var wg sync.WaitGroup
	results := make(chan error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			change := e
			change.Status = fmt.Sprintf("approved-by-%d", i)
			_, err := h.Entries.Update(context.Background(), scope, change, 1)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		switch {
		case err == nil:
			wins++
		case !errs.Is(err, errs.Conflict):
			t.Errorf("a loser must get conflict, got %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d racing updates won, want exactly 1", wins)
	}
	stored, _ := h.Entries.Get(context.Background(), scope, e.ID)
	if stored.Rev != 2 {
		t.Fatalf("rev after one winning update = %d, want 2", stored.Rev)
	}
}

func testUpdateScope(t *testing.T, h Harness) {
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scopeOf(t, "v1"), e)
	e.Status = "approved"
	_, err := h.Entries.Update(context.Background(), scopeOf(t, "d2"), e, 1)
	wantCode(t, err, errs.NotFound)
	stored, _ := h.Entries.Get(context.Background(), scopeOf(t, "v1"), e.ID)
	if stored.Status != "submitted" || stored.Rev != 1 {
		t.Fatalf("an out-of-scope update changed the entry: %+v", stored)
	}
}

// testSignalsCheckedOnce: a submitted entry is due for its check; of two
// checks of it one stores (with its effects), and the revision stays; a check
// of an entry that changed meanwhile stores nothing and leaves it due.
func testSignalsCheckedOnce(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	due := newEntry(pathV1, 1)
	due.SignalsDue = true
	mustInsert(t, h.Entries, scope, due)
	mustInsert(t, h.Entries, scope, newEntry(pathV1, 2)) // not due
	list, err := h.Entries.SignalsDue(ctx, scope, 10)
	if err != nil || len(list) != 1 || list[0].ID != due.ID || list[0].Rev != 1 || list[0].Title != due.Title {
		t.Fatalf("due: %+v %v", list, err)
	}
	listIDs(t, h.Entries, scope, entries.Query{}) // a store may keep what it listed: it must not show it stale
	found := []signals.Signal{{Kind: signals.TextCopy, Detail: "文字与单位v2 2026-11-20 报送的记录有 90% 相同", OtherEntryID: "other"}}
	fx := entries.Effects{Audit: &audit.Record{At: epoch, ActorID: "system", Action: "test.signals", UnitPath: pathV1, Target: due.ID}}
	first, err := h.Entries.SetSignals(ctx, scope, due.ID, 1, found, fx)
	second, err2 := h.Entries.SetSignals(ctx, scope, due.ID, 1, found, fx)
	if err != nil || err2 != nil || !first || second {
		t.Fatalf("two checks stored %v and %v (%v %v), want only the first", first, second, err, err2)
	}
	got, _ := h.Entries.Get(ctx, scope, due.ID)
	if got.Rev != 1 || got.SignalsDue || len(got.Signals) != 1 || got.Signals[0].OtherEntryID != "other" {
		t.Fatalf("after the check: rev %d due %v signals %+v", got.Rev, got.SignalsDue, got.Signals)
	}
	if list := listIDs(t, h.Entries, scope, entries.Query{}); len(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	page, _ := h.Entries.List(ctx, scope, entries.Query{})
	for _, e := range page.Items {
		if e.ID == due.ID && len(e.Signals) != 1 {
			t.Fatalf("a listing shows the entry without its new signals: %+v", e.Signals)
		}
	}
	// Due again, then changed before its check: the stale check stores nothing.
	got.SignalsDue = true
	if _, err := h.Entries.Update(ctx, scope, got, 1); err != nil {
		t.Fatal(err)
	}
	if set, err := h.Entries.SetSignals(ctx, scope, due.ID, 1, nil, entries.Effects{}); err != nil || set {
		t.Fatalf("a check of revision 1 stored over revision 2: %v %v", set, err)
	}
	if list, _ := h.Entries.SignalsDue(ctx, scope, 10); len(list) != 1 || list[0].Rev != 2 {
		t.Fatalf("the changed entry is no longer due, or is read stale: %+v", list)
	}
}
