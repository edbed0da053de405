package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
)

func listIDs(t *testing.T, s entries.Store, scope auth.Scope, q entries.Query) []string {
	t.Helper()
	page, err := s.List(context.Background(), scope, q)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(page.Items))
	for i, e := range page.Items {
		out[i] = e.ClientID
	}
	if q.Cursor == "" && q.Limit == 0 && page.NextCursor == "" {
		// Every unpaged listing doubles as a check of Count with the same filters.
		if n, err := s.Count(context.Background(), scope, q); err != nil || n != len(out) {
			t.Fatalf("Count(%+v) = %d, %v; the list has %d", q, n, err, len(out))
		}
	}
	return out
}

func assertIDs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// seedTree files one entry in each unit, in order city, d1, t1, v1, d2.
func seedTree(t *testing.T, s entries.Store) {
	root := auth.ScopeForTest(t, "city", "seeder", auth.RoleAdmin)
	for i, path := range [][]string{pathCity, pathD1, pathT1, pathV1, pathD2} {
		mustInsert(t, s, root, newEntry(path, i+1))
	}
}

func testListScoped(t *testing.T, h Harness) {
	seedTree(t, h.Entries)
	cases := map[string][]string{
		"city": {"client-5", "client-4", "client-3", "client-2", "client-1"},
		"d1":   {"client-4", "client-3", "client-2"},
		"t1":   {"client-4", "client-3"},
		"v1":   {"client-4"},
		"d2":   {"client-5"},
		"nope": {},
	}
	for unit, want := range cases {
		assertIDs(t, listIDs(t, h.Entries, scopeOf(t, unit), entries.Query{}), want...)
	}
	assertIDs(t, listIDs(t, h.Entries, auth.Scope{}, entries.Query{}))
}

func testListFilters(t *testing.T, h Harness) {
	root := scopeOf(t, "city")
	for i := 1; i <= 6; i++ {
		e := newEntry(pathV1, i)
		if i%2 == 0 {
			e.FormID, e.Status, e.Period = "form-weekly", "draft", "2026-W49"
		}
		if i == 3 {
			e.AuthorID = "another-author"
		}
		mustInsert(t, h.Entries, root, e)
	}
	s := h.Entries
	assertIDs(t, listIDs(t, s, root, entries.Query{FormID: "form-weekly"}), "client-6", "client-4", "client-2")
	assertIDs(t, listIDs(t, s, root, entries.Query{Status: "submitted"}), "client-5", "client-3", "client-1")
	assertIDs(t, listIDs(t, s, root, entries.Query{Period: "2026-W48", AuthorID: "author-v1"}), "client-5", "client-1")
	assertIDs(t, listIDs(t, s, root, entries.Query{FormID: "form-weekly", Status: "submitted"}))
}

func testListUnitFilter(t *testing.T, h Harness) {
	seedTree(t, h.Entries)
	s, d1 := h.Entries, scopeOf(t, "d1")
	assertIDs(t, listIDs(t, s, d1, entries.Query{UnitID: "t1"}), "client-4", "client-3")
	// Asking for a wider or a foreign unit never widens the caller's scope.
	assertIDs(t, listIDs(t, s, d1, entries.Query{UnitID: "city"}), "client-4", "client-3", "client-2")
	assertIDs(t, listIDs(t, s, d1, entries.Query{UnitID: "d2"}))
}

func testListPagination(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "d1")
	const total = 23
	for i := 1; i <= total; i++ {
		e := newEntry(pathT1, i)
		if i == 10 { // a tie on CreatedAt is broken by ID
			e.CreatedAt = newEntry(pathT1, 11).CreatedAt
		}
		mustInsert(t, h.Entries, scope, e)
	}
	seen := map[string]bool{}
	q := entries.Query{Limit: 5}
	for pages := 0; ; pages++ {
		page, err := h.Entries.List(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range page.Items {
			if seen[e.ClientID] {
				t.Fatalf("page %d repeats %s", pages, e.ClientID)
			}
			seen[e.ClientID] = true
			if i > 0 && !before(e, page.Items[i-1]) {
				t.Fatalf("page %d out of order at %d", pages, i)
			}
		}
		if pages == 1 { // a newer entry arriving mid-listing must not shift later pages
			mustInsert(t, h.Entries, scope, newEntry(pathT1, 1000))
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(seen) != total {
		t.Fatalf("walked %d entries, want %d", len(seen), total)
	}
}

// before reports whether a sorts after b in newest-first order.
func before(a, b entries.Entry) bool {
	if a.CreatedAt.Equal(b.CreatedAt) {
		return a.ID < b.ID
	}
	return a.CreatedAt.Before(b.CreatedAt)
}

func testListBadInput(t *testing.T, h Harness) {
	scope := scopeOf(t, "city")
	for _, q := range []entries.Query{{Cursor: "not-a-cursor"}, {Limit: -1}, {Limit: entries.MaxLimit + 1},
		{Cursor: entries.EncodeCursor(entries.Position{ID: "short"})}} {
		_, err := h.Entries.List(context.Background(), scope, q)
		wantCode(t, err, errs.Invalid)
	}
}

func testListOverdueRangeAndSearch(t *testing.T, h Harness) {
	root := scopeOf(t, "city")
	for i := 1; i <= 4; i++ {
		e := newEntry(pathV1, i)
		e.DueAt = epoch.Add(time.Duration(i) * time.Hour)
		e.Open = i != 2 // entry 2 is done: never overdue
		if i == 3 {
			e.Data = json.RawMessage(`{"name":"张三","note":"红旗村 自来水 抢修 <急> & \"快\"","size":4}`)
		}
		mustInsert(t, h.Entries, root, e)
	}
	s := h.Entries
	assertIDs(t, listIDs(t, s, root, entries.Query{OverdueAt: epoch.Add(150 * time.Minute)}), "client-1")
	assertIDs(t, listIDs(t, s, root, entries.Query{OverdueAt: epoch.Add(10 * time.Hour)}), "client-4", "client-3", "client-1")
	assertIDs(t, listIDs(t, s, root, entries.Query{From: newEntry(pathV1, 2).CreatedAt, To: newEntry(pathV1, 4).CreatedAt}),
		"client-3", "client-2")
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "自来水"}), "client-3")
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "不存在"}))
	// Only text values are searched, as JSON would escape them in the row.
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "<急> & \"快\""}), "client-3")
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "张三"}), "client-4", "client-3", "client-2", "client-1")
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "subsidy"})) // a key
	assertIDs(t, listIDs(t, s, root, entries.Query{Q: "120.5"}))   // a number
}

// testListCarriesLastEvent: listings hold each entry's last event (for the
// reviewer's comment) without the field changes, and Get still has everything.
func testListCarriesLastEvent(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "city")
	e := newEntry(pathV1, 1)
	mustInsert(t, h.Entries, scope, e)
	listIDs(t, h.Entries, scope, entries.Query{}) // a store may keep what it listed: it must not show it stale
	e.Status, e.UpdatedAt = "returned", epoch.Add(time.Hour)
	e.History = append(e.History, entries.Event{At: epoch.Add(time.Hour), ActorID: "boss", ActorRole: "supervisor",
		Action: "return", From: "submitted", To: "returned", Comment: "请补充照片",
		Changes: []entries.Change{{Path: "x", Before: 1.0, After: 2.0}}})
	if _, err := h.Entries.Update(ctx, scope, e, 1); err != nil {
		t.Fatal(err)
	}
	page, err := h.Entries.List(ctx, scope, entries.Query{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("list: %v %v", page, err)
	}
	if got := page.Items[0]; got.Status != "returned" || got.Rev != 2 {
		t.Fatalf("the list shows revision %d (%s), want 2 (returned)", got.Rev, got.Status)
	}
	h1 := page.Items[0].History
	if len(h1) != 1 || h1[0].Comment != "请补充照片" || h1[0].Changes != nil {
		t.Fatalf("a listed entry's history: %+v", h1)
	}
	full, _ := h.Entries.Get(ctx, scope, e.ID)
	if len(full.History) != 2 || full.History[1].Changes == nil {
		t.Fatalf("Get must keep the whole history: %+v", full.History)
	}
}
