package sqlite

import (
	"context"
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
			if !strings.HasPrefix(plan[0], "SEARCH s USING PRIMARY KEY (unit_id=?") || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s (cursor %v): unexpected plan: %s", name, hasPos, text)
			}
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
