package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/org"
)

var weeklyLite = forms.Form{Key: "weekly", Title: "工作周报", Category: forms.CategoryWeekly, Workflow: "approval",
	Fields: []forms.Field{{Key: "progress", Type: "textarea", Label: "本周工作进展", Required: true}}}

// beijing is a wall-clock time in Beijing.
func beijing(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, forms.Beijing).UTC()
}

// ledgerWorld is a city whose units owe a weekly report: 城关镇 (t1) itself,
// its villages v1, v2, v3, and the district d2, each with a cadre.
type ledgerWorld struct {
	*world
	formID string
	people map[string]org.User // "office", "townSup", or a cadre's unit
	v2, v3 string              // unit ids
}

// token signs a person in at the current time: the clock of these tests moves
// by days, past the lifetime of any token issued before.
func (lw ledgerWorld) token(who string) string { return lw.tokenFor(lw.people[who]) }

func newLedgerWorld(t *testing.T, w *world) ledgerWorld {
	lw := ledgerWorld{world: w, formID: w.publishForm(t, weeklyLite), people: map[string]org.User{}}
	w.addUnit("city", "d1", "t1", "v2")
	w.addUnit("city", "d1", "t1", "v3")
	lw.v2, lw.v3 = w.units["v2"].ID, w.units["v3"].ID
	for i, unit := range []string{"t1", "v1", "v2", "v3", "d2"} {
		lw.people[unit] = w.addUser(fmt.Sprintf("1390000%04d", 100+i), unit, false, auth.RoleCadre)
	}
	lw.people["office"] = w.addUser("13900000200", "city", false, auth.RoleOffice)
	lw.people["townSup"] = w.addUser("13900000201", "d1", false, auth.RoleSupervisor)
	// The round of 2026-W49 opened before the units existed; W50 (due Friday
	// 11 December, 12:00) is the first they owe.
	w.now = beijing(12, 5, 10)
	w.sweep()
	return lw
}

func (lw ledgerWorld) fileWeekly(unit, period string) reply {
	body := map[string]any{"clientId": fmt.Sprintf("weekly-%s-%04d", unit, lw.next()), "submit": true,
		"data": map[string]any{"progress": "本周走访低保户十二户，解决实际问题三件。"}}
	if period != "" {
		body["period"] = period
	}
	return lw.call("POST", "/api/v1/forms/"+lw.formID+"/entries", lw.token(unit), body)
}

// TestComplianceThroughARound: a round passes its due time; the office sees
// who filed on time, late, not at all, or was excused; a late filing turns
// missing into late; a second report of a unit for one round is refused.
func TestComplianceThroughARound(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		lw := newLedgerWorld(t, open(t))
		for _, unit := range []string{"v1", "t1"} {
			if r := lw.fileWeekly(unit, ""); r.status != 201 || entryOf(t, r)["period"] != "2026-W50" {
				t.Fatalf("%s files W50: %d %s", unit, r.status, r.body)
			}
		}
		again := lw.fileWeekly("v1", "")
		if again.status != 409 || !strings.Contains(string(again.body), `"code":"already_filed"`) || !strings.Contains(string(again.body), "entryId") {
			t.Fatalf("a second W50 report of v1: %d %s", again.status, again.body)
		}
		cell := func(token, unitID, row string) map[string]any {
			t.Helper()
			r := lw.call("GET", "/api/v1/reports/compliance?formId="+lw.formID+"&from=2026-W50&to=2026-W50&unitId="+unitID, token, nil)
			if r.status != 200 {
				t.Fatalf("compliance: %d %s", r.status, r.body)
			}
			for _, x := range r.json(t)["rows"].([]any) {
				if rr := x.(map[string]any); rr["unitId"] == row {
					return rr["cells"].([]any)[0].(map[string]any)
				}
			}
			t.Fatalf("no row %s: %s", row, r.body)
			return nil
		}
		if c := cell(lw.token("townSup"), "unit-t1", "unit-v1"); c["status"] != ledger.OnTime {
			t.Fatalf("v1 before the due time: %v", c)
		}
		if c := cell(lw.token("townSup"), "unit-t1", lw.v2); c["status"] != ledger.Pending {
			t.Fatalf("v2 before the due time: %v", c)
		}

		lw.now = beijing(12, 11, 13) // the due time has passed
		if r := lw.call("POST", "/api/v1/obligations/exemptions", lw.token("office"), map[string]any{"formId": lw.formID, "unitId": lw.v3,
			"period": "2026-W50", "reason": "全员参加防汛抢险"}); r.status != 201 {
			t.Fatalf("exempt v3: %d %s", r.status, r.body)
		}
		if c := cell(lw.token("townSup"), "unit-t1", lw.v2); c["status"] != ledger.Missing {
			t.Fatalf("v2 after the due time: %v", c)
		}
		late := lw.fileWeekly("v2", "2026-W50") // 补报
		if late.status != 201 || entryOf(t, late)["period"] != "2026-W50" {
			t.Fatalf("v2 files W50 late: %d %s", late.status, late.body)
		}
		if c := cell(lw.token("townSup"), "unit-t1", lw.v2); c["status"] != ledger.Late || c["entryId"] != entryOf(t, late)["id"] {
			t.Fatalf("v2 after its late filing: %v", c)
		}
		if c := cell(lw.token("townSup"), "unit-t1", "unit-t1"); c["status"] != ledger.OnTime {
			t.Fatalf("the town itself: %v", c)
		}
		if c := cell(lw.token("townSup"), "unit-t1", lw.v3); c["status"] != ledger.Exempted || c["reason"] != "全员参加防汛抢险" {
			t.Fatalf("v3: %v", c)
		}
		// The city's office sees the district as a subtree and d2 alone.
		if c := cell(lw.token("office"), "", "unit-d1"); fmt.Sprint(c["counts"]) != "map[exempted:1 late:1 onTime:2]" {
			t.Fatalf("d1 for the city: %v", c)
		}
		if c := cell(lw.token("office"), "", "unit-d2"); c["status"] != ledger.Missing {
			t.Fatalf("d2 for the city: %v", c)
		}
		missing := lw.call("GET", "/api/v1/reports/obligations?formId="+lw.formID+"&period=2026-W50&status=missing", lw.token("office"), nil)
		if missing.status != 200 || !strings.Contains(string(missing.body), `"unitName":"单位d2"`) ||
			!strings.Contains(string(missing.body), `"phone":"13900000104"`) || strings.Contains(string(missing.body), "单位v1") {
			t.Fatalf("who is missing: %d %s", missing.status, missing.body)
		}
	})
}

// TestAssigningOpensTheRoundAtOnce: the units of a new assignment show in the
// ledger as soon as it is saved, not at the next minute's sweep.
func TestAssigningOpensTheRoundAtOnce(t *testing.T) {
	w := newWorld(t)
	w.addUser("13900000001", "v1", false, auth.RoleCadre)
	w.now = beijing(12, 5, 10) // a week after the units were set up
	office := w.tokenFor(w.addUser("13900000002", "city", false, auth.RoleOffice))
	formID := w.publishForm(t, weeklyLite)
	r := w.call("GET", "/api/v1/reports/obligations?formId="+formID+"&period=2026-W50", office, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"unitId":"unit-v1","unitName":"单位v1"`) || !strings.Contains(string(r.body), `"status":"pending"`) {
		t.Fatalf("the round of a new assignment: %d %s", r.status, r.body)
	}
}

// TestReportsBadInput: what the issue lists, and the late filing's refusals.
func TestReportsBadInput(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	lw.fileWeekly("v1", "")
	lw.now = beijing(12, 11, 13)
	base := "/api/v1/reports/compliance?formId=" + lw.formID
	for name, c := range map[string]struct {
		token, url string
		status     int
		contains   string
	}{
		"reversed dates":               {lw.token("office"), base + "&from=2026-12-10&to=2026-11-01", 422, `"field":"from"`},
		"a range over two years":       {lw.token("office"), base + "&from=2024-01-01&to=2026-12-01", 422, `"field":"to"`},
		"a date that is not a date":    {lw.token("office"), base + "&from=yesterday", 422, `"field":"from"`},
		"a unit outside the scope":     {lw.token("townSup"), base + "&unitId=unit-d2", 404, "not_found"},
		"an unknown form":              {lw.token("office"), "/api/v1/reports/compliance?formId=no-such-form", 404, "not_found"},
		"a cadre asking for another":   {lw.token("v1"), base + "&unitId=unit-t1", 404, "not_found"},
		"a cadre asking for their own": {lw.token("v1"), base + "&unitId=unit-v1", 200, `"status":"onTime"`},
		"an unknown status":            {lw.token("office"), "/api/v1/reports/obligations?formId=" + lw.formID + "&period=2026-W50&status=lost", 422, `"field":"status"`},
	} {
		if r := lw.call("GET", c.url, c.token, nil); r.status != c.status || !strings.Contains(string(r.body), c.contains) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	exempt := func(unitID, period string) reply {
		return lw.call("POST", "/api/v1/obligations/exemptions", lw.token("office"), map[string]any{"formId": lw.formID, "unitId": unitID,
			"period": period, "reason": "因公外出"})
	}
	lw.now = beijing(12, 12, 9)
	lw.sweep() // W51 opens
	if r := exempt("unit-d2", "2026-W51"); r.status != 422 || !strings.Contains(string(r.body), "not_due") {
		t.Errorf("exempting a round not yet due: %d %s", r.status, r.body)
	}
	first := exempt("unit-d2", "2026-W50")
	if first.status != 201 {
		t.Fatalf("exempt: %d %s", first.status, first.body)
	}
	if r := exempt("unit-d2", "2026-W50"); r.status != 409 {
		t.Errorf("exempting twice: %d %s", r.status, r.body)
	}
	if r := lw.call("DELETE", "/api/v1/obligations/exemptions/"+str(first.json(t), "id"), lw.token("office"), nil); r.status != 204 {
		t.Errorf("taking the exemption back: %d %s", r.status, r.body)
	}
	for name, c := range map[string]struct{ unit, period, code string }{
		"an unknown round":         {"v2", "2026-W30", "unknown_period"},
		"a round not yet due":      {"v2", "2026-W52", "unknown_period"},
		"a round already filed":    {"v1", "2026-W50", "already_filed"},
		"a round the unit owed no": {"v2", "2026-W49", "not_owed"},
	} {
		if r := lw.fileWeekly(c.unit, c.period); r.status != 422 || !strings.Contains(string(r.body), `"field":"period","code":"`+c.code) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}

// TestSummaryAndOverdue: the counts of a subtree by status, option and period,
// read from the kept counts; and what is past its deadline, oldest first.
func TestSummaryAndOverdue(t *testing.T) {
	w := newWorld(t)
	shishi := forms.Templates(forms.DefaultCampaignEnd)[0]
	shishiID := w.publishForm(t, shishi)
	problemID := w.publishForm(t, forms.Templates(forms.DefaultCampaignEnd)[1])
	cadre := w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
	officer := w.addUser("13900000002", "city", false, auth.RoleOffice)
	office := w.tokenFor(officer)
	photo := str(w.call("POST", "/api/v1/attachments", cadre, upload{file: pngBytes(40)}).json(t), "id")
	for i, category := range []string{"flood", "flood", "livelihood"} {
		data := forms.TemplateSamples()["shishi"]
		data["category"], data["photos"] = category, []any{photo}
		if r := w.call("POST", "/api/v1/forms/"+shishiID+"/entries", cadre, map[string]any{"clientId": fmt.Sprintf("shishi-%04d", i),
			"data": data, "submit": i < 2}); r.status != 201 {
			t.Fatalf("file: %d %s", r.status, r.body)
		}
	}
	sum := w.call("GET", "/api/v1/reports/summary?formId="+shishiID, office, nil)
	body := string(sum.body)
	for _, want := range []string{`"total":2`, `"submitted":2`, `"value":"flood","label":"防汛抗灾","n":2`, `"label":"2026年第49周","n":2`,
		`"unitId":"unit-d1","name":"单位d1","n":2`} {
		if !strings.Contains(body, want) {
			t.Errorf("summary lacks %s: %s", want, body)
		}
	}
	problem := forms.TemplateSamples()["problem"]
	problem["measures"] = []any{map[string]any{"measure": "由村会计王某每月5日前在公开栏张贴上月补助发放明细并拍照上传", "deadline": "2026-11-28"}}
	r := w.call("POST", "/api/v1/forms/"+problemID+"/entries", cadre, map[string]any{"clientId": "problem-0001", "data": problem, "submit": true})
	if r.status != 201 {
		t.Fatalf("file a problem: %d %s", r.status, r.body)
	}
	w.now = beijing(12, 3, 9) // the measure's deadline passed; the item waits for 立项 past its review deadline too
	late := w.call("GET", "/api/v1/reports/overdue", w.tokenFor(officer), nil)
	if late.status != 200 || !strings.Contains(string(late.body), `"kind":"rectification"`) || !strings.Contains(string(late.body), `"daysOverdue":5`) {
		t.Fatalf("overdue: %d %s", late.status, late.body)
	}
}

// TestRollupSurvivesConcurrentLoad files, returns, fixes, refiles and
// approves entries from many goroutines while units move and users come and
// go; then the kept counts equal a recount from the entries, on both adapters.
func TestRollupSurvivesConcurrentLoad(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		w := open(t)
		shishi := forms.Templates(forms.DefaultCampaignEnd)[0]
		formIDs := []string{w.publishForm(t, shishi), w.publishForm(t, weeklyLite)}
		cadres := map[string]string{}
		for i, unit := range []string{"v1", "t1", "d2"} {
			cadres[unit] = w.tokenFor(w.addUser(fmt.Sprintf("1390000%04d", 300+i), unit, false, auth.RoleCadre))
		}
		sup := w.tokenFor(w.addUser("13900000400", "d1", false, auth.RoleSupervisor))
		admin := w.tokenFor(w.addUser("13900000401", "city", false, auth.RoleAdmin))
		photos := map[string]string{}
		for unit, token := range cadres {
			photos[unit] = str(w.call("POST", "/api/v1/attachments", token, upload{file: pngBytes(uint8(len(unit) * 7))}).json(t), "id")
		}
		w.addUnit("city", "d2", "empty")
		done := make(chan error, 8)
		for worker := range 6 {
			go func() { done <- loadWorker(w, worker, formIDs, cadres, photos, sup) }()
		}
		go func() { // the tree changes underneath
			for i := range 4 {
				parent := []string{"unit-d2", "unit-d1"}[i%2]
				if r := w.call("POST", "/api/v1/units/unit-v1/move", admin, map[string]any{"parentId": parent}); r.status != 200 {
					done <- fmt.Errorf("move: %d %s", r.status, r.body)
					return
				}
				if r := w.call("PATCH", "/api/v1/units/unit-empty", admin, map[string]any{"active": i%2 == 1}); r.status != 200 {
					done <- fmt.Errorf("(de)activate: %d %s", r.status, r.body)
					return
				}
			}
			done <- nil
		}()
		for range 7 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		counted, err := entries.Recount(context.Background(), w.st.entries, w.versions, "unit-city")
		if err != nil {
			t.Fatal(err)
		}
		kept, err := w.st.ledger.AllCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if diffs := ledger.Compare(kept, counted); len(diffs) > 0 || len(counted) == 0 {
			t.Fatalf("%d cells counted; differences: %v", len(counted), diffs)
		}
	})
}

// loadWorker files entries of both forms, submits drafts, and has the
// supervisor return or approve them, at random.
func loadWorker(w *world, worker int, formIDs []string, cadres, photos map[string]string, sup string) error {
	units := []string{"v1", "t1", "d2"}
	for i := range 12 {
		unit := units[(worker+i)%len(units)]
		formID := formIDs[(worker*7+i)%2]
		data := map[string]any{"progress": "本周走访低保户十二户，解决实际问题三件。"}
		if formID == formIDs[0] {
			data = forms.TemplateSamples()["shishi"]
			data["category"] = []string{"flood", "rural", "livelihood"}[(worker+i)%3]
			data["photos"] = []any{photos[unit]}
		}
		r := w.call("POST", "/api/v1/forms/"+formID+"/entries", cadres[unit], map[string]any{
			"clientId": fmt.Sprintf("load-%d-%04d", worker, i), "data": data, "submit": i%3 != 0})
		if r.status == 409 { // the unit's weekly report of this round exists
			continue
		}
		if r.status != 201 {
			return fmt.Errorf("file: %d %s", r.status, r.body)
		}
		e := r.json(w.t)["entry"].(map[string]any)
		id, rev := e["id"].(string), e["rev"].(float64)
		switch {
		case e["status"] == "draft":
			w.call("POST", "/api/v1/entries/"+id+"/actions", cadres[unit], map[string]any{"action": "submit", "rev": rev})
		case i%4 == 1:
			if rr := w.call("POST", "/api/v1/entries/"+id+"/actions", sup, map[string]any{"action": "return", "rev": rev, "comment": "请补充"}); rr.status == 200 {
				w.call("POST", "/api/v1/entries/"+id+"/actions", cadres[unit], map[string]any{"action": "submit", "rev": rev + 1})
			}
		case i%4 == 2:
			w.call("POST", "/api/v1/entries/"+id+"/actions", sup, map[string]any{"action": "approve", "rev": rev})
		}
	}
	return nil
}
