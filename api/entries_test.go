package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/forms"
)

// publishForm creates, publishes and assigns (to the whole city) a form as an
// administrator at the root, returning its id.
func (w *world) publishForm(t testing.TB, schema forms.Form) string {
	t.Helper()
	admin := w.tokenFor(w.addUser(fmt.Sprintf("1370000%04d", w.next()), "city", false, auth.RoleAdmin))
	created := w.call("POST", "/api/v1/forms", admin, schema)
	if created.status != 201 {
		t.Fatalf("create form: %d %s", created.status, created.body)
	}
	id := str(created.json(t), "id")
	if r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil); r.status != 200 {
		t.Fatalf("publish: %s", r.body)
	}
	assign := map[string]any{"assignments": []any{map[string]any{"unitId": "unit-city",
		"schedule": map[string]any{"kind": "weekly", "weekday": 5, "time": "12:00"}}}}
	if r := w.call("PUT", "/api/v1/forms/"+id+"/assignments", admin, assign); r.status != 200 {
		t.Fatalf("assign: %s", r.body)
	}
	return id
}

func (w *world) next() int { w.seq++; return w.seq }

var visitLite = forms.Form{Key: "visit", Title: "走访", Category: forms.CategoryShishi, Workflow: "approval",
	Fields: []forms.Field{{Key: "name", Type: "text", Label: "户主", Required: true}, {Key: "size", Type: "integer", Label: "人口"},
		{Key: "photos", Type: "photo", Label: "照片"}}}

type entryWorld struct {
	*world
	formID                      string
	cadre, townSup, districtSup string
}

func newEntryWorld(t *testing.T) entryWorld { return entryWorldIn(t, newWorld(t)) }

func entryWorldIn(t *testing.T, w *world) entryWorld {
	ew := entryWorld{world: w, formID: w.publishForm(t, visitLite)}
	ew.cadre = w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
	ew.townSup = w.tokenFor(w.addUser("13900000002", "t1", false, auth.RoleSupervisor))
	ew.districtSup = w.tokenFor(w.addUser("13900000003", "d1", false, auth.RoleSupervisor))
	return ew
}

func (ew entryWorld) file(clientID string, data map[string]any, submit bool) reply {
	return ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre,
		map[string]any{"clientId": clientID, "data": data, "submit": submit})
}

func entryOf(t testing.TB, r reply) map[string]any {
	t.Helper()
	e, ok := r.json(t)["entry"].(map[string]any)
	if !ok {
		t.Fatalf("no entry in %d %s", r.status, r.body)
	}
	return e
}

func (ew entryWorld) act(token, id string, rev float64, action, comment string) reply {
	return ew.call("POST", "/api/v1/entries/"+id+"/actions", token, map[string]any{"action": action, "comment": comment, "rev": rev})
}

// TestFileReturnFixApprove is the day's work: a cadre files a draft and submits
// it, a supervisor returns it, the cadre fixes and resubmits, the supervisor
// approves; history, notifications and the audit chain record every step.
func TestFileReturnFixApprove(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		created := ew.file("7d3f0a52-1111-4e6b-9b1e-000000000001", map[string]any{"name": "张三"}, false)
		if created.status != 201 || entryOf(t, created)["status"] != "draft" || created.header.Get("ETag") != "1" {
			t.Fatalf("file: %d %s", created.status, created.body)
		}
		id := str(entryOf(t, created), "id")
		edit := func(token, ifMatch string, data map[string]any) reply {
			req := map[string]any{"data": data}
			return ew.callWith("PATCH", "/api/v1/entries/"+id, token, req, map[string]string{"If-Match": ifMatch})
		}
		if r := edit(ew.cadre, "1", map[string]any{"name": "张三", "size": 4}); r.status != 200 || entryOf(t, r)["rev"] != float64(2) {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		if r := edit(ew.cadre, "1", map[string]any{"name": "李四"}); r.status != 412 {
			t.Fatalf("a stale If-Match: %d", r.status)
		}
		if r := ew.call("PATCH", "/api/v1/entries/"+id, ew.cadre, map[string]any{"data": map[string]any{}}); r.status != 428 {
			t.Fatalf("no If-Match: %d", r.status)
		}
		if r := edit(ew.townSup, "2", map[string]any{"name": "篡改"}); r.status != 403 {
			t.Fatalf("a PATCH by someone else: %d", r.status)
		}
		steps := []struct {
			token, action, comment string
			status                 int
			to                     string
		}{
			{ew.cadre, "submit", "", 200, "submitted"},
			{ew.townSup, "return", "", 422, ""},
			{ew.townSup, "return", "请补充家庭人口的依据", 200, "returned"},
			{ew.cadre, "submit", "", 200, "submitted"},
			{ew.townSup, "approve", "", 200, "approved"},
			{ew.townSup, "approve", "", 409, ""},
		}
		rev := 2.0
		for i, s := range steps {
			r := ew.act(s.token, id, rev, s.action, s.comment)
			if r.status != s.status {
				t.Fatalf("step %d %s: %d %s", i, s.action, r.status, r.body)
			}
			if s.status == 200 {
				e := entryOf(t, r)
				if e["status"] != s.to {
					t.Fatalf("step %d: status %v, want %s", i, e["status"], s.to)
				}
				rev = e["rev"].(float64)
			}
		}
		got := ew.call("GET", "/api/v1/entries/"+id, ew.districtSup, nil)
		body := string(got.body)
		for _, want := range []string{`"action":"create"`, `"action":"edit"`, `"path":"size"`, `"action":"return"`,
			"请补充家庭人口的依据", `"action":"approve"`, `"version":1`, `"schema":`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET entry lacks %s: %s", want, body)
			}
		}
		if n := ew.call("GET", "/api/v1/notifications", ew.cadre, nil); !strings.Contains(string(n.body), "请补充家庭人口的依据") {
			t.Errorf("the author was not told of the return: %s", n.body)
		}
		if n := ew.call("GET", "/api/v1/notifications?unread=true", ew.townSup, nil); strings.Count(string(n.body), `"kind":"submit"`) != 2 {
			t.Errorf("the reviewer was not told of both submissions: %s", n.body)
		}
		// the form's publish, then create, edit, submit, return, submit, approve;
		// refused steps leave no record
		if rep, err := audit.Verify(context.Background(), ew.st.audit, ew.st.auditKey); err != nil || rep.Records != 7 {
			t.Fatalf("audit chain: %d records, %v", rep.Records, err)
		}
	})
}

func (w *world) callWith(method, url, token string, body any, headers map[string]string) reply {
	w.t.Helper()
	return w.call(method, url, token, withHeaders{body: body, headers: headers})
}

// TestReplaysFileOnce: 50 concurrent posts of one clientId create one entry; a
// replay with other content is refused naming the entry.
func TestReplaysFileOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		const clientID = "7d3f0a52-2222-4e6b-9b1e-000000000002"
		var wg sync.WaitGroup
		results := make(chan reply, 50)
		for range 50 {
			wg.Add(1)
			go func() { defer wg.Done(); results <- ew.file(clientID, map[string]any{"name": "张三"}, true) }()
		}
		wg.Wait()
		close(results)
		created, ids := 0, map[string]bool{}
		for r := range results {
			switch r.status {
			case 201:
				created++
			case 200:
			default:
				t.Fatalf("a replay answered %d %s", r.status, r.body)
			}
			ids[str(entryOf(t, r), "id")] = true
		}
		if created != 1 || len(ids) != 1 {
			t.Fatalf("%d created, %d distinct entries; want 1 and 1", created, len(ids))
		}
		other := ew.file(clientID, map[string]any{"name": "李四"}, true)
		if other.status != 409 || !strings.Contains(string(other.body), "entryId") {
			t.Fatalf("a reused clientId: %d %s", other.status, other.body)
		}
		list := ew.call("GET", "/api/v1/entries?formId="+ew.formID, ew.districtSup, nil)
		if strings.Count(string(list.body), clientID) != 1 {
			t.Fatalf("the list shows the entry %d times", strings.Count(string(list.body), clientID))
		}
	})
}

// TestReplayAfterTheFormChanged: a phone that resends after its form was
// archived still gets its entry back, not a refusal it would retry forever.
func TestReplayAfterTheFormChanged(t *testing.T) {
	ew := newEntryWorld(t)
	const clientID = "7d3f0a52-2222-4e6b-9b1e-000000000012"
	first := ew.file(clientID, map[string]any{"name": "张三"}, true)
	if first.status != 201 {
		t.Fatalf("filing: %d %s", first.status, first.body)
	}
	admin := ew.tokenFor(ew.addUser("13700009999", "city", false, auth.RoleAdmin))
	if r := ew.call("POST", "/api/v1/forms/"+ew.formID+"/archive", admin, nil); r.status != 200 {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}
	again := ew.file(clientID, map[string]any{"name": "张三"}, true)
	if again.status != 200 || str(entryOf(t, again), "id") != str(entryOf(t, first), "id") {
		t.Fatalf("a replay after archiving: %d %s", again.status, again.body)
	}
	if fresh := ew.file("7d3f0a52-2222-4e6b-9b1e-000000000013", map[string]any{"name": "张三"}, true); fresh.status != 404 {
		t.Fatalf("a new filing on an archived form: %d %s", fresh.status, fresh.body)
	}
}

// TestEntryOffersOnlyTheCallersActions: screens show buttons from "actions";
// only the nearest reviewer is offered the review, and the list offers them on
// request.
func TestEntryOffersOnlyTheCallersActions(t *testing.T) {
	ew := newEntryWorld(t)
	e := entryOf(t, ew.file("7d3f0a52-2222-4e6b-9b1e-000000000021", map[string]any{"name": "张三"}, true))
	actionsOf := func(token string) string {
		r := ew.call("GET", "/api/v1/entries/"+str(e, "id"), token, nil)
		return fmt.Sprint(entryOf(t, r)["actions"])
	}
	if got := actionsOf(ew.townSup); got != "[approve return reject]" {
		t.Errorf("the nearest reviewer is offered %s", got)
	}
	if got := actionsOf(ew.districtSup); got != "<nil>" {
		t.Errorf("a reviewer further up is offered %s", got)
	}
	if got := actionsOf(ew.cadre); got != "<nil>" {
		t.Errorf("the author of a submitted entry is offered %s", got)
	}
	list := string(ew.call("GET", "/api/v1/entries?withActions=true", ew.townSup, nil).body)
	if !strings.Contains(list, `"actions":["approve","return","reject"]`) {
		t.Errorf("the list does not offer the review: %s", list)
	}
	if plain := string(ew.call("GET", "/api/v1/entries", ew.townSup, nil).body); strings.Contains(plain, `"actions"`) {
		t.Errorf("actions listed without being asked for: %s", plain)
	}
	ew.act(ew.townSup, str(e, "id"), e["rev"].(float64), "return", "请补充照片")
	if got := actionsOf(ew.cadre); got != "[submit]" {
		t.Errorf("the author of a returned entry is offered %s", got)
	}
}

// TestListCounts: the office's list says how many entries match its filters.
func TestListCounts(t *testing.T) {
	ew := newEntryWorld(t)
	for i := range 3 {
		ew.file(fmt.Sprintf("7d3f0a52-2222-4e6b-9b1e-00000000003%d", i), map[string]any{"name": "张三"}, i < 2)
	}
	totalOf := func(query string) float64 {
		r := ew.call("GET", "/api/v1/entries?count=true&limit=1&"+query, ew.districtSup, nil)
		return r.json(t)["total"].(float64)
	}
	if n := totalOf(""); n != 3 {
		t.Errorf("total of all: %v", n)
	}
	if body := string(ew.call("GET", "/api/v1/entries", ew.districtSup, nil).body); !strings.Contains(body, `"formTitle":"走访"`) {
		t.Errorf("list items do not name their form: %s", body)
	}
	if n := totalOf("status=submitted"); n != 2 {
		t.Errorf("total submitted: %v", n)
	}
	if n := totalOf("unitId=d2"); n != 0 {
		t.Errorf("total in another district: %v", n)
	}
}

// TestRacingReviewers: two supervisors of the reviewing unit approve the same
// revision at once; one wins and the other gets 409.
func TestRacingReviewers(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		e := entryOf(t, ew.file("7d3f0a52-3333-4e6b-9b1e-000000000003", map[string]any{"name": "张三"}, true))
		secondTownSup := ew.tokenFor(ew.addUser("13900000004", "t1", false, auth.RoleSupervisor))
		var wg sync.WaitGroup
		statuses := make(chan int, 2)
		for _, token := range []string{ew.townSup, secondTownSup} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- ew.act(token, str(e, "id"), e["rev"].(float64), "approve", "").status
			}()
		}
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		if got[200] != 1 || got[409] != 1 {
			t.Fatalf("racing approvals: %v, want one 200 and one 409", got)
		}
	})
}

func TestEntryBadInput(t *testing.T) {
	ew := newEntryWorld(t)
	selfReviewer := ew.tokenFor(ew.addUser("13900000009", "t1", false, auth.RoleCadre, auth.RoleSupervisor))
	own := entryOf(t, ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", selfReviewer,
		map[string]any{"clientId": "7d3f0a52-4444-4e6b-9b1e-000000000004", "data": map[string]any{"name": "王五"}, "submit": true}))
	if r := ew.act(selfReviewer, str(own, "id"), own["rev"].(float64), "approve", ""); r.status != 403 {
		t.Errorf("approving one's own entry: %d %s", r.status, r.body)
	}
	for name, c := range map[string]struct {
		body     map[string]any
		status   int
		contains string
	}{
		"unknown field":    {map[string]any{"clientId": "7d3f0a52-5555-4e6b-9b1e-000000000005", "data": map[string]any{"name": "a", "colour": 1}, "submit": true}, 422, `"field":"colour"`},
		"wrong type":       {map[string]any{"clientId": "7d3f0a52-6666-4e6b-9b1e-000000000006", "data": map[string]any{"name": "a", "size": "four"}, "submit": false}, 422, `"field":"size"`},
		"missing required": {map[string]any{"clientId": "7d3f0a52-7777-4e6b-9b1e-000000000007", "data": map[string]any{}, "submit": true}, 422, `"field":"name"`},
		"bad clientId":     {map[string]any{"clientId": "x", "data": map[string]any{"name": "a"}}, 400, `"field":"clientId"`},
	} {
		r := ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre, c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.contains) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	draft := entryOf(t, ew.file("7d3f0a52-8888-4e6b-9b1e-000000000008", map[string]any{"name": "a"}, false))
	r := ew.act(ew.townSup, str(draft, "id"), draft["rev"].(float64), "approve", "")
	if r.status != 409 || !strings.Contains(string(r.body), "submit") {
		t.Errorf("approving a draft: %d %s", r.status, r.body)
	}
	if r := ew.call("GET", "/api/v1/entries/"+str(draft, "id"), ew.tokenFor(ew.addUser("13900000010", "d2", false, auth.RoleSupervisor)), nil); r.status != 404 {
		t.Errorf("a sibling's supervisor reads the entry: %d", r.status)
	}
	big := map[string]any{"clientId": "7d3f0a52-9999-4e6b-9b1e-000000000009", "data": map[string]any{"name": strings.Repeat("长", 400_000)}}
	if r := ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre, big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1.2 MB entry: %d", r.status)
	}
}

// TestOverdueAndFilters: the office finds entries by form, status and period,
// and a draft past its Friday deadline is overdue.
func TestOverdueAndFilters(t *testing.T) {
	ew := newEntryWorld(t)
	office := ew.tokenFor(ew.addUser("13900000011", "city", false, auth.RoleOffice))
	ew.file("7d3f0a52-aaaa-4e6b-9b1e-00000000000a", map[string]any{"name": "草稿户"}, false)
	ew.file("7d3f0a52-bbbb-4e6b-9b1e-00000000000b", map[string]any{"name": "已报户"}, true)
	list := func(query string) string {
		r := ew.call("GET", "/api/v1/entries?"+query, office, nil)
		if r.status != 200 {
			t.Fatalf("list %s: %d %s", query, r.status, r.body)
		}
		return string(r.body)
	}
	if body := list("status=submitted&period=2026-W49&formId=" + ew.formID); !strings.Contains(body, "已报户") || strings.Contains(body, "草稿户") {
		t.Errorf("filters: %s", body)
	}
	if body := list("q=草稿"); !strings.Contains(body, "草稿户") || strings.Contains(body, "已报户") {
		t.Errorf("q: %s", body)
	}
	if body := list("overdue=true"); strings.Contains(body, "草稿户") {
		t.Errorf("nothing is overdue before the deadline: %s", body)
	}
	ew.now = ew.now.Add(8 * 24 * time.Hour) // past Friday 2026-12-04 12:00
	office = ew.tokenFor(ew.addUser("13900000012", "city", false, auth.RoleOffice))
	if body := list("overdue=true"); !strings.Contains(body, "草稿户") || strings.Contains(body, "已报户") || !strings.Contains(body, `"overdue":true`) {
		t.Errorf("overdue: %s", body)
	}
	if r := ew.call("GET", "/api/v1/entries?from=yesterday", office, nil); r.status != 400 {
		t.Errorf("a bad date: %d", r.status)
	}
	auditLog := ew.call("GET", "/api/v1/audit?action=entry.submit", office, nil)
	if auditLog.status != 200 || !strings.Contains(string(auditLog.body), `"action":"entry.submit"`) ||
		!strings.Contains(string(auditLog.body), `"targetName":"已报户"`) { // the entry, by its title
		t.Errorf("audit: %d %s", auditLog.status, auditLog.body)
	}
}

// TestProblemItemToClosure: a problem item with two measures goes from 立项
// through each measure reported done with its own evidence to 销号, including a
// reopen; the item is overdue by its earliest open measure, and the reviewer
// sees the evidence photos.
func TestProblemItemToClosure(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		w := open(t)
		formID := w.publishForm(t, forms.Templates(forms.DefaultCampaignEnd)[1])
		cadre := w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
		sup := w.tokenFor(w.addUser("13900000002", "t1", false, auth.RoleSupervisor))
		sample := forms.TemplateSamples()["problem"]
		sample["measures"] = []any{sample["measures"].([]any)[0],
			map[string]any{"measure": "由村文书每月10日前将公开栏照片上传镇纪委备查并登记台账", "deadline": "2026-12-20", "owner": "李文书"}}
		r := w.call("POST", "/api/v1/forms/"+formID+"/entries", cadre, map[string]any{"clientId": "7d3f0a52-cccc-4e6b-9b1e-00000000000c", "data": sample, "submit": true})
		if r.status != 201 {
			t.Fatalf("file: %d %s", r.status, r.body)
		}
		e := entryOf(t, r)
		dueIs := func(day string) {
			t.Helper()
			if !strings.HasPrefix(str(e, "dueAt"), day+"T16:00:00") { // the end of that day in Beijing
				t.Errorf("due %v, want the end of %s", e["dueAt"], day)
			}
		}
		dueIs("2026-12-05")
		act := func(token, action string, body map[string]any, want int) {
			t.Helper()
			body["action"], body["rev"] = action, e["rev"]
			r := w.call("POST", "/api/v1/entries/"+str(e, "id")+"/actions", token, body)
			if r.status != want {
				t.Fatalf("%s: %d %s", action, r.status, r.body)
			}
			if want == 200 {
				e = entryOf(t, r)
			}
		}
		photo := str(w.call("POST", "/api/v1/attachments", cadre, upload{file: pngBytes(31)}).json(t), "id")
		act(sup, "accept", map[string]any{}, 200)
		act(cadre, "rectify", map[string]any{"data": map[string]any{"evidence": "都整改完了"}}, 422) // two measures still open
		act(cadre, "measure", map[string]any{"data": map[string]any{"measure": 0}}, 422)        // no evidence
		act(cadre, "measure", map[string]any{"data": map[string]any{"measure": 0, "evidence": "公开栏已更新", "evidencePhotos": []any{photo}}}, 200)
		if e["status"] != "accepted" {
			t.Fatalf("a measure reported done leaves the item at %v", e["status"])
		}
		dueIs("2026-12-20") // the next open measure's deadline
		act(cadre, "measure", map[string]any{"data": map[string]any{"measure": 0, "evidence": "再报一次"}}, 422)
		act(cadre, "measure", map[string]any{"data": map[string]any{"measure": 5, "evidence": "不存在的措施"}}, 422)
		if got := w.call("GET", "/api/v1/attachments/"+photo, sup, nil); got.status != 200 {
			t.Fatalf("the reviewer cannot see the evidence photo: %d", got.status)
		}
		act(cadre, "measure", map[string]any{"data": map[string]any{"measure": 1, "evidence": "已登记台账，照片已报镇纪委"}}, 200)
		act(cadre, "rectify", map[string]any{}, 200) // every measure brought its evidence
		act(sup, "reopen", map[string]any{}, 422)
		act(sup, "reopen", map[string]any{"comment": "照片看不清，请重拍"}, 200)
		dueIs("2026-12-05") // reopened: every measure is open again
		got := entryOf(t, w.call("GET", "/api/v1/entries/"+str(e, "id"), sup, nil))
		if m := got["measures"].([]any); len(m) != 2 || m[0].(map[string]any)["done"] != false {
			t.Fatalf("measures after the reopen: %v", got["measures"])
		}
		act(sup, "close", map[string]any{}, 422) // closing a reopened item needs a comment
		act(sup, "close", map[string]any{"comment": "经现场核实已整改到位"}, 200)
		if e["status"] != "closed" || e["overdue"] != false {
			t.Fatalf("closed: %v", e)
		}
	})
}

// TestProblemItemReturnedAtFiling: at 立项 the reviewer may send the item back
// to the filer to fix, or reject it.
func TestProblemItemReturnedAtFiling(t *testing.T) {
	w := newWorld(t)
	formID := w.publishForm(t, forms.Templates(forms.DefaultCampaignEnd)[1])
	cadre := w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
	sup := w.tokenFor(w.addUser("13900000002", "t1", false, auth.RoleSupervisor))
	file := func(clientID string) map[string]any {
		return entryOf(t, w.call("POST", "/api/v1/forms/"+formID+"/entries", cadre,
			map[string]any{"clientId": clientID, "data": forms.TemplateSamples()["problem"], "submit": true}))
	}
	e := file("7d3f0a52-cccc-4e6b-9b1e-00000000001c")
	if fmt.Sprint(e["actions"]) != "<nil>" || fmt.Sprint(entryOf(t, w.call("GET", "/api/v1/entries/"+str(e, "id"), sup, nil))["actions"]) != "[accept return reject]" {
		t.Fatalf("the reviewer's actions at 立项")
	}
	r := w.call("POST", "/api/v1/entries/"+str(e, "id")+"/actions", sup, map[string]any{"action": "return", "rev": 1, "comment": "措施不具体"})
	if r.status != 200 || entryOf(t, r)["status"] != "returned" {
		t.Fatalf("return at 立项: %d %s", r.status, r.body)
	}
	r = w.call("POST", "/api/v1/entries/"+str(e, "id")+"/actions", cadre, map[string]any{"action": "submit", "rev": 2})
	if r.status != 200 || entryOf(t, r)["status"] != "submitted" {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	other := file("7d3f0a52-cccc-4e6b-9b1e-00000000002c")
	r = w.call("POST", "/api/v1/entries/"+str(other, "id")+"/actions", sup, map[string]any{"action": "reject", "rev": 1, "comment": "不属于作风问题"})
	if r.status != 200 || entryOf(t, r)["status"] != "rejected" {
		t.Fatalf("reject at 立项: %d %s", r.status, r.body)
	}
}

// TestAuditCoversAccountability: logins, role changes and form publishes are in
// the chain too, each visible to the office of the subtree where it happened.
func TestAuditCoversAccountability(t *testing.T) {
	w := newWorld(t)
	office := w.tokenFor(w.addUser("13800000009", "city", false, auth.RoleOffice))
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin, auth.RoleSupervisor))
	w.addUser("13800000002", "t1", false, auth.RoleCadre)
	w.login("13800000002", "secret-pass-1")
	w.call("PATCH", "/api/v1/users/user-13800000002", admin, map[string]any{"roles": []string{"supervisor"}})
	w.publishForm(t, visitLite)
	body := string(w.call("GET", "/api/v1/audit", office, nil).body)
	for _, action := range []string{"login", "user.update", "form.publish"} {
		if !strings.Contains(body, `"action":"`+action+`"`) {
			t.Errorf("the audit log lacks %s: %s", action, body)
		}
	}
	// Who did what to whom, by name: the PWA shows no ids.
	var log struct {
		Items []struct{ Action, ActorName, TargetName string }
	}
	if err := json.Unmarshal([]byte(body), &log); err != nil {
		t.Fatal(err)
	}
	named := map[string][2]string{}
	for _, r := range log.Items {
		named[r.Action] = [2]string{r.ActorName, r.TargetName}
	}
	for action, want := range map[string][2]string{"login": {"用户0002", "用户0002"}, "user.update": {"用户0001", "用户0002"}, "form.publish": {"用户0001", "走访"}} {
		if named[action] != want {
			t.Errorf("%s names %v, want %v", action, named[action], want)
		}
	}
	d2 := w.tokenFor(w.addUser("13800000008", "d2", false, auth.RoleOffice))
	if body := string(w.call("GET", "/api/v1/audit", d2, nil).body); strings.Contains(body, "user-13800000002") {
		t.Errorf("another district's office sees d1's audit: %s", body)
	}
	if _, err := audit.Verify(context.Background(), w.st.audit, w.st.auditKey); err != nil {
		t.Fatal(err)
	}
}

// TestTwoLevelApproval: with workflow approval2 the township reviews first and
// the district gives the final approval; each level is told when it is its turn,
// and a review waiting too long shows as overdue for review.
func TestTwoLevelApproval(t *testing.T) {
	w := newWorld(t)
	twoLevel := visitLite
	twoLevel.Key, twoLevel.Workflow = "visit2", "approval2"
	formID := w.publishForm(t, twoLevel)
	cadre := w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
	town := w.tokenFor(w.addUser("13900000002", "t1", false, auth.RoleSupervisor))
	district := w.tokenFor(w.addUser("13900000003", "d1", false, auth.RoleSupervisor))
	e := entryOf(t, w.call("POST", "/api/v1/forms/"+formID+"/entries", cadre,
		map[string]any{"clientId": "two-level-0001", "data": map[string]any{"name": "张三"}, "submit": true}))
	if !strings.HasPrefix(str(e, "stateDueAt"), "2026-11-30T09:00:00") || e["reviewOverdue"] != false {
		t.Errorf("review due in three days: %v %v", e["stateDueAt"], e["reviewOverdue"])
	}
	act := func(token string, want int, to string) {
		t.Helper()
		r := w.call("POST", "/api/v1/entries/"+str(e, "id")+"/actions", token, map[string]any{"action": "approve", "rev": e["rev"]})
		if r.status != want {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		if want == 200 {
			if e = entryOf(t, r); e["status"] != to {
				t.Fatalf("status %v, want %s", e["status"], to)
			}
		}
	}
	act(district, 403, "") // the district waits for the township
	act(town, 200, "reviewed")
	if n := w.call("GET", "/api/v1/notifications", district, nil); !strings.Contains(string(n.body), `"kind":"approve"`) {
		t.Errorf("the district was not told it is its turn: %s", n.body)
	}
	act(town, 403, "") // the township cannot give the final approval
	w.now = w.now.Add(4 * 24 * time.Hour)
	district = w.tokenFor(w.addUser("13900000013", "d1", false, auth.RoleSupervisor))
	list := w.call("GET", "/api/v1/entries?status=reviewed", district, nil)
	if !strings.Contains(string(list.body), `"reviewOverdue":true`) {
		t.Errorf("a review waiting four days is overdue: %s", list.body)
	}
	act(district, 200, "approved")
}

// TestEncodeEntryPageMatchesEncodingJSON: the hand-assembled list page, and the
// answer of one entry, say what encoding/json would say.
func TestEncodeEntryPageMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	items := []entryJSON{
		{ID: "e1", Data: json.RawMessage(`{"name":"张三","n":[1,2]}`), Status: "submitted", CreatedAt: at, Attachments: []string{}},
		{ID: "e2", Data: json.RawMessage(`{}`), Actions: []string{"approve"}, DueAt: &at, Attachments: []string{"a"}},
	}
	for _, total := range []int{-1, 7} {
		want := map[string]any{"items": items, "nextCursor": "next \"cursor\""}
		if total >= 0 {
			want["total"] = total
		}
		var got, expected any
		if err := json.Unmarshal(encodeEntryPage(items, "next \"cursor\"", total), &got); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(want)
		_ = json.Unmarshal(raw, &expected)
		if !reflect.DeepEqual(got, expected) {
			t.Fatalf("got  %v\nwant %v", got, expected)
		}
	}
	for _, item := range items {
		var got, expected any
		if err := json.Unmarshal(encodeEntryAnswer(item), &got); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(map[string]any{"entry": item})
		_ = json.Unmarshal(raw, &expected)
		if !reflect.DeepEqual(got, expected) {
			t.Fatalf("one entry: got  %v\nwant %v", got, expected)
		}
	}
}

// TestReturnRacingApproveOnTheNextRevision replays the outside review's race: at
// rev 1 (submitted) one supervisor returns with rev 1 while another approves
// with rev 2. The approval was checked against the submitted state it read but
// written on rev 2 — both got 200 and the return vanished. Now the step is
// written only on the revision it was checked against: the return wins, the
// approval is 409 naming the current revision, and the history keeps the return.
func TestReturnRacingApproveOnTheNextRevision(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		ew := entryWorldIn(t, open(t))
		secondTownSup := ew.tokenFor(ew.addUser("13900000004", "t1", false, auth.RoleSupervisor))
		for round := range 15 {
			e := entryOf(t, ew.file(fmt.Sprintf("7d3f0a52-3333-4e6b-9b1e-1000000000%02d", round), map[string]any{"name": "张三"}, true))
			id := str(e, "id")
			var wg sync.WaitGroup
			var returned, approved reply
			wg.Add(2)
			go func() { defer wg.Done(); returned = ew.act(ew.townSup, id, 1, "return", "请补充照片") }()
			go func() { defer wg.Done(); approved = ew.act(secondTownSup, id, 2, "approve", "") }()
			wg.Wait()
			if returned.status != 200 || approved.status != 409 {
				t.Fatalf("round %d: return %d, approve %d %s; want 200 and 409", round, returned.status, approved.status, approved.body)
			}
			stored := entryOf(t, ew.call("GET", "/api/v1/entries/"+id, ew.townSup, nil))
			if stored["status"] != "returned" || stored["rev"] != float64(2) {
				t.Fatalf("round %d: the entry ends %v at rev %v, want returned at rev 2", round, stored["status"], stored["rev"])
			}
		}
	})
}

// TestStaleRevisionNamesTheCurrentOne: a step sent with a revision that is not
// the stored one is 409 with the current revision, whatever the state allows.
func TestStaleRevisionNamesTheCurrentOne(t *testing.T) {
	ew := newEntryWorld(t)
	e := entryOf(t, ew.file("7d3f0a52-3333-4e6b-9b1e-200000000001", map[string]any{"name": "张三"}, true))
	for _, rev := range []float64{0, 2, 7} {
		r := ew.act(ew.townSup, str(e, "id"), rev, "approve", "")
		if r.status != 409 || !strings.Contains(string(r.body), `"field":"rev","code":"stale"`) ||
			!strings.Contains(string(r.body), `"params":{"current":1}`) {
			t.Errorf("approve with rev %v at rev 1: %d %s", rev, r.status, r.body)
		}
	}
}

// TestEntryReadOmitsASchemaTheClientHas: GET /entries/{id} sends the form's
// schema unless ?knownForms names the entry's form version; another version
// of the same form, or garbage, still gets it.
func TestEntryReadOmitsASchemaTheClientHas(t *testing.T) {
	ew := newEntryWorld(t)
	e := entryOf(t, ew.file("7d3f0a52-aaaa-4e6b-9b1e-0000000000k1", map[string]any{"name": "张三"}, true))
	url := "/api/v1/entries/" + str(e, "id")
	full := ew.call("GET", url, ew.townSup, nil)
	form := full.json(t)["form"].(map[string]any)
	if form["schema"] == nil || form["id"] != ew.formID {
		t.Fatalf("without knownForms: %s", full.body)
	}
	have := fmt.Sprintf("%s@%v", ew.formID, form["version"])
	short := ew.call("GET", url+"?knownForms=other@1,"+have, ew.townSup, nil)
	got := short.json(t)["form"].(map[string]any)
	if _, sent := got["schema"]; sent || got["version"] != form["version"] || short.json(t)["entry"] == nil {
		t.Fatalf("with the version known: %s", short.body)
	}
	if len(short.body) >= len(full.body) {
		t.Fatalf("the read without the schema is %d bytes, with it %d", len(short.body), len(full.body))
	}
	for _, known := range []string{ew.formID + "@999", "nonsense", ew.formID} {
		if r := ew.call("GET", url+"?knownForms="+known, ew.townSup, nil); r.json(t)["form"].(map[string]any)["schema"] == nil {
			t.Errorf("knownForms=%s must still send the schema", known)
		}
	}
}
