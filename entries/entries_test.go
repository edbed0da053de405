package entries

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/forms"
)

func TestWorkflowTransitions(t *testing.T) {
	approval := Workflows["approval"]
	if got := approval.Allowed("submitted"); !reflect.DeepEqual(got, []string{"approve", "return", "reject"}) {
		t.Errorf("allowed from submitted: %v", got)
	}
	if _, ok := approval.Find("approve", "draft"); ok {
		t.Error("a draft cannot be approved")
	}
	if tr, ok := approval.Find("submit", "returned"); !ok || tr.To != "submitted" {
		t.Error("a returned entry is resubmitted")
	}
	rect := Workflows["rectification"]
	if !rect.IsOpen("rectifying") || rect.IsOpen("rectified") || rect.IsOpen("closed") {
		t.Error("a problem item is open until rectified")
	}
	if tr, _ := rect.Find("rectify", "accepted"); len(tr.RequireAnyOf) == 0 {
		t.Error("rectifying needs evidence")
	}
	for name, wf := range Workflows {
		if _, ok := wf.Find("submit", "draft"); !ok {
			t.Errorf("%s: a draft must be submittable", name)
		}
	}
}

func TestWhoMayAct(t *testing.T) {
	entry := Entry{AuthorID: "cadre", UnitID: "v1", UnitPath: []string{"city", "d1", "t1", "v1"}}
	approve, _ := Workflows["approval"].Find("approve", "submitted")
	submit, _ := Workflows["approval"].Find("submit", "draft")
	for name, c := range map[string]struct {
		tr    Transition
		scope auth.Scope
		ok    bool
	}{
		"the author submits":                                   {submit, auth.ScopeForTest(t, "v1", "cadre", auth.RoleCadre), true},
		"someone else cannot submit":                           {submit, auth.ScopeForTest(t, "v1", "other", auth.RoleCadre), false},
		"a supervisor above approves":                          {approve, auth.ScopeForTest(t, "t1", "boss", auth.RoleSupervisor), true},
		"a supervisor of the same unit, which has no reviewer": {approve, auth.ScopeForTest(t, "v1", "peer", auth.RoleSupervisor), false},
		"a supervisor elsewhere":                               {approve, auth.ScopeForTest(t, "d2", "far", auth.RoleSupervisor), false},
		"not the nearest reviewing unit":                       {approve, auth.ScopeForTest(t, "d1", "higher", auth.RoleSupervisor), false},
		"a cadre above cannot approve":                         {approve, auth.ScopeForTest(t, "t1", "c2", auth.RoleCadre), false},
		"the author never approves":                            {approve, auth.ScopeForTest(t, "city", "cadre", auth.RoleSupervisor), false},
		"the zero scope cannot do anything":                    {approve, auth.Scope{}, false},
	} {
		if _, ok := mayAct(c.tr, entry, c.scope, []string{"t1", "d1"}); ok != c.ok {
			t.Errorf("%s: %v, want %v", name, ok, c.ok)
		}
	}
	// When the entry's own unit has a supervisor besides the author, that
	// supervisor is the nearest reviewer.
	peer := auth.ScopeForTest(t, "v1", "peer", auth.RoleSupervisor)
	if _, ok := mayAct(approve, entry, peer, []string{"v1", "t1"}); !ok {
		t.Error("a supervisor of the entry's own unit reviews it")
	}
	if _, ok := mayAct(approve, entry, auth.ScopeForTest(t, "t1", "boss", auth.RoleSupervisor), []string{"v1", "t1"}); ok {
		t.Error("the unit above reviews when the entry's own unit has a reviewer")
	}
}

func TestTwoLevelApproval(t *testing.T) {
	wf := Workflows["approval2"]
	entry := Entry{AuthorID: "cadre", UnitID: "v1", UnitPath: []string{"city", "d1", "t1", "v1"}}
	first, _ := wf.Find("approve", "submitted")
	second, _ := wf.Find("approve", "reviewed")
	levels := []string{"t1", "d1"}
	town, district := auth.ScopeForTest(t, "t1", "a", auth.RoleSupervisor), auth.ScopeForTest(t, "d1", "b", auth.RoleSupervisor)
	if _, ok := mayAct(first, entry, town, levels); !ok || first.To != "reviewed" {
		t.Error("the nearest level approves first")
	}
	if _, ok := mayAct(second, entry, town, levels); ok {
		t.Error("the first level cannot give the final approval")
	}
	if _, ok := mayAct(second, entry, district, levels); !ok || second.To != "approved" {
		t.Error("the second level gives the final approval")
	}
	e := Entry{Status: "reviewed", History: []Event{{At: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}}}
	if got := wf.StateDueAt(e); !got.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("review due: %s", got)
	}
	if !Workflows["approval"].StateDueAt(Entry{Status: "approved", History: e.History}).IsZero() {
		t.Error("a finished entry waits for no reviewer")
	}
}

func TestDiff(t *testing.T) {
	before := map[string]any{"name": "张三", "size": 4.0, "members": []any{map[string]any{"name": "甲"}, map[string]any{"name": "乙"}}}
	after := map[string]any{"name": "张三", "size": 5.0, "members": []any{map[string]any{"name": "甲"}, map[string]any{"name": "丙"}}, "note": "x"}
	got := Diff(before, after)
	want := []Change{{Path: "members[1].name", Before: "乙", After: "丙"}, {Path: "note", Before: nil, After: "x"}, {Path: "size", Before: 4.0, After: 5.0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diff:\n got %+v\nwant %+v", got, want)
	}
	if len(Diff(before, before)) != 0 {
		t.Fatal("no change, no diff")
	}
}

func TestDerivedFields(t *testing.T) {
	fields := []forms.Field{{Key: "photos", Type: "photo"}, {Key: "sign", Type: "signature"},
		{Key: "measures", Type: "group", Fields: []forms.Field{{Key: "files", Type: "file"}}}}
	data := map[string]any{"photos": []any{"b", "a"}, "sign": "s", "measures": []any{
		map[string]any{"files": []any{"a"}, "deadline": "2026-12-05"}, map[string]any{"deadline": "2026-12-20"}}}
	if got := attachmentIDs(fields, data); !reflect.DeepEqual(got, []string{"a", "b", "s"}) {
		t.Errorf("attachment ids: %v", got)
	}
	refs := attachmentRefs(fields, data, "")
	if refs[len(refs)-1].path != "measures[0].files[0]" || refs[len(refs)-1].image {
		t.Errorf("refs: %+v", refs)
	}
	// The end of 2026-12-05 in Beijing: the earliest open measure's deadline;
	// once it is done, the next one's; when all are done, the latest.
	states := []MeasureState{{Deadline: "2026-12-05"}, {Deadline: "2026-12-20"}}
	if got := measuresDue(states); !got.Equal(time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("due with both open: %s", got)
	}
	states[0].Done = true
	if got := measuresDue(states); !got.Equal(time.Date(2026, 12, 20, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("due with the first done: %s", got)
	}
	states[1].Done = true
	if got := measuresDue(states); !got.Equal(time.Date(2026, 12, 20, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("due with all done: %s", got)
	}
	raw := json.RawMessage(`{"a":"红旗村","b":[{"c":"自来水 抢修"},3.5],"subsidy":120}`)
	for q, want := range map[string]bool{"红旗村": true, "自来水": true, "抢修": true, "不存在": false, "subsidy": false, "3.5": false, "红旗村 自来水": false} {
		if HasText(raw, q) != want {
			t.Errorf("HasText(%q) = %v", q, !want)
		}
	}
}

// TestPayloadHashAsStored: hashPayload must give the hash the first release
// stored — the SHA-256 of encoding/json's map {"data","period","submit"} —
// or every replay of an entry filed before would be refused as a reuse.
func TestPayloadHashAsStored(t *testing.T) {
	asStored := func(data map[string]any, submit bool, period string) string {
		payload := map[string]any{"data": data, "submit": submit}
		if period != "" {
			payload["period"] = period
		}
		raw, _ := json.Marshal(payload)
		sum := sha256.Sum256(raw)
		return hex.EncodeToString(sum[:])
	}
	datas := []map[string]any{
		{},
		{"name": "张三", "size": 4.0, "poor": true},
		{"html": "<b>&amp;</b>", "quote": "\"\\\u2028", "nested": map[string]any{"z": []any{1.5, nil, "x"}, "a": "b"}},
	}
	for _, data := range datas {
		for _, submit := range []bool{true, false} {
			for _, period := range []string{"", "2026-W48", "<&>"} {
				raw, _ := json.Marshal(data)
				if got, want := hashPayload(raw, submit, period), asStored(data, submit, period); got != want {
					t.Errorf("%v %v %q: %s, stored %s", data, submit, period, got, want)
				}
			}
		}
	}
}
