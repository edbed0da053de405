package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"taizhang/entries"
)

// TestListPlanIsFixed pins the plan of the scoped list: walk entry_scope's primary
// key for one unit in order and never sort. SQLite's planner may otherwise prefer a
// plan that reads and sorts the whole subtree, hundreds of times slower at 100k rows.
func TestListPlanIsFixed(t *testing.T) {
	db, err := Open(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pos := entries.Position{CreatedAt: time.UnixMilli(1), ID: "000000000000000000000000"}
	queries := map[string]entries.Query{
		"scope only":      {},
		"subtree":         {UnitID: "t1"},
		"all filters":     {UnitID: "t1", FormID: "f", Status: "submitted", AuthorID: "a", Period: "2026-W48"},
		"status and form": {FormID: "f", Status: "approved"},
		"review queue":    {Status: "submitted"},
		"a unit's queue":  {UnitID: "t1", Status: "reviewed", From: time.UnixMilli(1), To: time.UnixMilli(2)},
		"returned to me":  {AuthorID: "a", Status: "returned"},
		"overdue":         {UnitID: "t1", OverdueAt: time.UnixMilli(5)},
	}
	for name, q := range queries {
		for _, hasPos := range []bool{false, true} {
			listPlan := entries.ListPlan{Limit: 20}
			if hasPos {
				listPlan.After = &pos
			}
			sqlText, args := listQuery("d1", q, listPlan)
			rows, err := db.readers.Query("EXPLAIN QUERY PLAN "+sqlText, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			text := strings.Join(plan, " | ")
			t.Logf("%s cursor=%v: %s", name, hasPos, text)
			want := "SEARCH s USING PRIMARY KEY (unit_id=?"
			switch {
			case walksBacklog(q) && q.AuthorID != "":
				want = "SEARCH e USING INDEX entries_author_backlog (author_id=? AND status=?"
			case walksBacklog(q):
				want = "SEARCH e USING INDEX entries_backlog (status=?"
			case walksOpen(q):
				want = map[bool]string{false: "SCAN e USING INDEX entries_open", true: "SEARCH e USING INDEX entries_open"}[hasPos]
			}
			if !strings.HasPrefix(plan[0], want) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s (cursor %v): unexpected plan: %s", name, hasPos, text)
			}
		}
	}
}

// TestUnreadNotificationsWalkTheirIndex: the unread ones come from their
// partial index, in order, never sorted.
func TestUnreadNotificationsWalkTheirIndex(t *testing.T) {
	db, err := Open(context.Background(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id, parent, unused int
	var detail string
	err = db.readers.QueryRow("EXPLAIN QUERY PLAN "+notificationsQuery(true), "u", 100).Scan(&id, &parent, &unused, &detail)
	if err != nil || !strings.HasPrefix(detail, "SEARCH notifications USING INDEX notifications_unread (user_id=?)") {
		t.Fatalf("unread notifications: %s %v", detail, err)
	}
}

// TestFinalStatesAreTheWorkflows: the backlog index leaves out the states
// entries stay in for good; a state left out that entries leave again would
// hide them from review queues, and a final state kept in would make the
// index hold every entry. The list must match the workflows'.
func TestFinalStatesAreTheWorkflows(t *testing.T) {
	final := map[string]bool{}
	for _, w := range entries.Workflows {
		states := []string{w.Submitted}
		for _, tr := range w.Transitions {
			states = append(states, tr.To)
		}
		for _, state := range states {
			if state != "" && len(w.Allowed(state)) == 0 {
				final[state] = true
			}
		}
	}
	var got []string
	for state := range final {
		got = append(got, state)
	}
	slices.Sort(got)
	if !slices.Equal(got, finalStateNames) {
		t.Fatalf("the workflows' final states are %v; finalStates and migration 25 say %v", got, finalStateNames)
	}
	for _, state := range []string{"draft", "submitted", "reviewed", "returned", "accepted", "rectifying", "rectified"} {
		if !walksBacklog(entries.Query{Status: state}) {
			t.Errorf("%s is not walked as a backlog", state)
		}
	}
}

func TestDecodeIDs(t *testing.T) {
	for raw, want := range map[string][]string{
		`["a"]`:              {"a"},
		`["city","d1","v1"]`: {"city", "d1", "v1"},
		`[]`:                 {},
		`["a\"b","c"]`:       {`a"b`, "c"},
	} {
		var got []string
		if err := decodeIDs(raw, &got); err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %v %v", raw, got, err)
		}
	}
}
