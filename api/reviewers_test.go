package api

import (
	"fmt"
	"strings"
	"testing"

	"taizhang/auth"
)

// TestEntriesNameTheirFilerAndTitle: answers, lists and one entry name who
// filed it, in which unit (below the reader's own), its title, and the people
// in its history.
func TestEntriesNameTheirFilerAndTitle(t *testing.T) {
	ew := newEntryWorld(t)
	e := entryOf(t, ew.file("7d3f0a52-aaaa-4e6b-9b1e-000000000101", map[string]any{"name": "张三"}, true))
	if e["title"] != "张三" || e["authorName"] != "用户0001" || e["unitName"] != "单位v1" {
		t.Fatalf("the filer's answer: title %v, author %v, unit %v", e["title"], e["authorName"], e["unitName"])
	}
	// A write's answer names its caller from the account the write read, and
	// everyone else from the store.
	returned := string(ew.act(ew.townSup, str(e, "id"), 1, "return", "请补充").body)
	for _, want := range []string{`"authorName":"用户0001"`, `"comment":"请补充","actorName":"用户0002"`} {
		if !strings.Contains(returned, want) {
			t.Errorf("the reviewer's answer lacks %s: %s", want, returned)
		}
	}
	list := string(ew.call("GET", "/api/v1/entries", ew.districtSup, nil).body)
	for _, want := range []string{`"title":"张三"`, `"authorName":"用户0001"`, `"unitName":"单位t1/单位v1"`, `"actorName":"用户0002"`} {
		if !strings.Contains(list, want) {
			t.Errorf("the district's list lacks %s: %s", want, list)
		}
	}
	one := string(ew.call("GET", "/api/v1/entries/"+str(e, "id"), ew.cadre, nil).body)
	if !strings.Contains(one, `"action":"return","from":"submitted","to":"returned","comment":"请补充","actorName":"用户0002"`) {
		t.Errorf("history without names: %s", one)
	}
}

// TestSupervisorsReviewTheirOwnUnit: a supervisor reviews the entries of their
// own unit — nearest first — but never their own; a unit with nobody to review
// tells the filer and its administrators, and shows on the units page.
func TestSupervisorsReviewTheirOwnUnit(t *testing.T) {
	w := newWorld(t)
	formID := w.publishForm(t, visitLite)
	file := func(token string, n int) map[string]any {
		return entryOf(t, w.call("POST", "/api/v1/forms/"+formID+"/entries", token,
			map[string]any{"clientId": fmt.Sprintf("own-unit-%04d", n), "data": map[string]any{"name": "张三"}, "submit": true}))
	}
	townCadre := w.tokenFor(w.addUser("13900000011", "t1", false, auth.RoleCadre))
	townSup := w.tokenFor(w.addUser("13900000012", "t1", false, auth.RoleSupervisor, auth.RoleCadre))
	districtSup := w.tokenFor(w.addUser("13900000013", "d1", false, auth.RoleSupervisor))
	admin := w.tokenFor(w.addUser("13900000014", "city", false, auth.RoleAdmin))
	actionsOf := func(e map[string]any, token string) string {
		return fmt.Sprint(entryOf(t, w.call("GET", "/api/v1/entries/"+str(e, "id"), token, nil))["actions"])
	}
	byCadre := file(townCadre, 1)
	if got := actionsOf(byCadre, townSup); got != "[approve return reject]" {
		t.Errorf("the town's supervisor on the town's entry: %s", got)
	}
	if got := actionsOf(byCadre, districtSup); got != "<nil>" {
		t.Errorf("the district reviews though the town has a reviewer: %s", got)
	}
	bySupervisor := file(townSup, 2) // their own entry goes to the district
	if got := actionsOf(bySupervisor, townSup); got != "<nil>" {
		t.Errorf("a supervisor may review their own entry: %s", got)
	}
	if got := actionsOf(bySupervisor, districtSup); got != "[approve return reject]" {
		t.Errorf("the district on the town supervisor's entry: %s", got)
	}
	if n := w.call("GET", "/api/v1/me/counts", townSup, nil).json(t); n["reviews"] != float64(1) {
		t.Errorf("the town supervisor's count: %v", n)
	}

	// d2 has a cadre and nobody above it reviews.
	lonely := w.tokenFor(w.addUser("13900000015", "d2", false, auth.RoleCadre))
	unreviewed := string(w.call("GET", "/api/v1/units/unreviewed", admin, nil).body)
	if !strings.Contains(unreviewed, `"id":"unit-d2"`) || strings.Contains(unreviewed, "unit-t1") || strings.Contains(unreviewed, "unit-v1") {
		t.Errorf("units without reviewers: %s", unreviewed)
	}
	e := file(lonely, 3)
	if e["notice"] != "本单位及上级暂无审核人，已通知管理员" {
		t.Errorf("the filer is not told: %v", e["notice"])
	}
	if msgs := string(w.call("GET", "/api/v1/notifications", admin, nil).body); !strings.Contains(msgs, `"kind":"no_reviewer"`) || !strings.Contains(msgs, "张三") {
		t.Errorf("the administrator is not told: %s", msgs)
	}
	if r := w.call("GET", "/api/v1/units/unreviewed", districtSup, nil); r.status != 403 {
		t.Errorf("a supervisor reads the administrators' warning: %d", r.status)
	}
}

// TestReplayRepeatsTheNoReviewerNotice: a phone that sends its filing twice
// (the page and the service worker at once) hears the notice on the replay too.
func TestReplayRepeatsTheNoReviewerNotice(t *testing.T) {
	w := newWorld(t)
	formID := w.publishForm(t, visitLite)
	lonely := w.tokenFor(w.addUser("13900000015", "d2", false, auth.RoleCadre))
	body := map[string]any{"clientId": "replay-notice-0001", "data": map[string]any{"name": "张三"}, "submit": true}
	for i, want := range []int{201, 200} {
		r := w.call("POST", "/api/v1/forms/"+formID+"/entries", lonely, body)
		if r.status != want || entryOf(t, r)["notice"] != "本单位及上级暂无审核人，已通知管理员" {
			t.Fatalf("filing %d: %d %s", i+1, r.status, r.body)
		}
	}
}
