package api

import (
	"strings"
	"testing"

	"taizhang/auth"
)

const visitForm = `{"key": "visit", "title": "入户走访", "category": "shishi", "workflow": "approval",
 "fields": [
  {"key": "name", "type": "text", "label": "户主姓名", "required": true, "maxLength": 20},
  {"key": "size", "type": "integer", "label": "家庭人口", "min": 1, "max": 30},
  {"key": "poor", "type": "radio", "label": "是否低保户",
   "options": [{"value": "y", "label": "是"}, {"value": "n", "label": "否"}]},
  {"key": "subsidy", "type": "money", "label": "补助金额",
   "visibleIf": {"==": [{"var": "poor"}, "y"]}, "requiredIf": {"==": [{"var": "poor"}, "y"]}},
  {"key": "members", "type": "group", "label": "家庭成员", "minItems": 1, "maxItems": 30,
   "fields": [{"key": "name", "type": "text", "label": "姓名", "required": true},
              {"key": "idcard", "type": "idcard", "label": "身份证号"}]},
  {"key": "summary", "type": "text", "label": "摘要", "calculate": {"cat": [{"var": "name"}, "家"]}}
 ]}`

func jsonBody(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := jsonUnmarshal(s, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFormLifecycle: create, preview, publish, evolve compatibly, refuse an
// incompatible change naming the field, assign, and let a cadre find it.
func TestFormLifecycle(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "d1", false, auth.RoleAdmin))
	cadre := w.tokenFor(w.addUser("13800000002", "v1", false, auth.RoleCadre))
	created := w.call("POST", "/api/v1/forms", admin, jsonBody(t, visitForm))
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	id := str(created.json(t), "id")
	preview := w.call("POST", "/api/v1/forms/"+id+"/validate", admin, map[string]any{"data": map[string]any{"poor": "y", "name": "张三"}})
	pv := preview.json(t)
	if preview.status != 200 || pv["valid"] != false || !strings.Contains(string(preview.body), `"field":"subsidy"`) ||
		pv["computed"].(map[string]any)["summary"] != "张三家" {
		t.Fatalf("preview: %d %s", preview.status, preview.body)
	}
	for range 2 { // publishing an unchanged draft again keeps version 1
		r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"version":1`) {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
	}
	grown := strings.Replace(visitForm, `"fields": [`, `"fields": [{"key": "village", "type": "text", "label": "村组"},`, 1)
	if r := w.call("PUT", "/api/v1/forms/"+id+"/draft", admin, jsonBody(t, grown)); r.status != 200 {
		t.Fatalf("draft: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil); !strings.Contains(string(r.body), `"version":2`) {
		t.Fatalf("second publish: %s", r.body)
	}
	for name, changed := range map[string]string{
		"size":         strings.Replace(grown, `"key": "size", "type": "integer"`, `"key": "size", "type": "number"`, 1),
		"members.name": strings.Replace(grown, `{"key": "name", "type": "text", "label": "姓名", "required": true}`, `{"key": "name", "type": "date", "label": "姓名"}`, 1),
		"village":      strings.Replace(grown, `{"key": "village", "type": "text", "label": "村组"},`, `{"key": "village", "type": "integer", "label": "村组号"},`, 1),
	} {
		if r := w.call("PUT", "/api/v1/forms/"+id+"/draft", admin, jsonBody(t, changed)); r.status != 200 {
			t.Fatalf("%s draft: %d %s", name, r.status, r.body)
		}
		r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil)
		if r.status != 409 || !strings.Contains(string(r.body), `"field":"`+name+`"`) {
			t.Errorf("changing %s's type: %d %s", name, r.status, r.body)
		}
	}
	removed := strings.Replace(grown, `{"key": "village", "type": "text", "label": "村组"},`, ``, 1)
	w.call("PUT", "/api/v1/forms/"+id+"/draft", admin, jsonBody(t, removed))
	if r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil); !strings.Contains(string(r.body), `"version":3`) {
		t.Fatalf("removing a field is compatible: %s", r.body)
	}
	if r := w.call("GET", "/api/v1/forms/"+id+"?version=2", admin, nil); !strings.Contains(string(r.body), "村组") {
		t.Fatalf("version 2 keeps its fields: %s", r.body)
	}
	w.call("PUT", "/api/v1/forms/"+id+"/draft", admin, jsonBody(t, strings.Replace(grown, `"label": "村组"`, `"label": "村组（新）"`, 1)))
	w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil) // re-adding a removed key with its old type is fine

	assign := map[string]any{"assignments": []any{map[string]any{"unitId": "unit-d1", "schedule": map[string]any{"kind": "weekly", "weekday": 5, "time": "12:00"}}}}
	if r := w.call("PUT", "/api/v1/forms/"+id+"/assignments", admin, assign); r.status != 200 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	// The world's clock is Friday 2026-11-27 17:00 in Beijing: this week's noon has passed.
	list := w.call("GET", "/api/v1/forms", cadre, nil)
	if !strings.Contains(string(list.body), `"period":"2026-W49"`) || !strings.Contains(string(list.body), `"due":"2026-12-04T12:00:00+08:00"`) {
		t.Fatalf("cadre's forms: %s", list.body)
	}
	if strings.Contains(string(list.body), `"draft"`) {
		t.Fatal("filers must not see drafts")
	}
	// An administrator lists the forms they manage, or with ?assigned=true
	// the ones their own unit must fill.
	if r := w.call("GET", "/api/v1/forms?assigned=true", admin, nil); strings.Contains(string(r.body), `"draft"`) || !strings.Contains(string(r.body), `"period"`) {
		t.Fatalf("an administrator's assigned forms: %s", r.body)
	}
	// The office lists every form of its subtree, to filter entries by, but no drafts.
	office := w.tokenFor(w.addUser("13800000077", "d1", false, auth.RoleOffice))
	if r := w.call("GET", "/api/v1/forms", office, nil); strings.Contains(string(r.body), `"draft"`) || !strings.Contains(string(r.body), id) {
		t.Fatalf("the office's forms: %s", r.body)
	}
	if r := w.call("GET", "/api/v1/forms/"+id+"/schema.json", cadre, nil); r.status != 200 || !strings.Contains(string(r.body), "2020-12") {
		t.Fatalf("schema.json: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/forms/"+id+"/archive", admin, nil); r.status != 200 {
		t.Fatalf("archive: %d", r.status)
	}
	if list := w.call("GET", "/api/v1/forms", cadre, nil); strings.Contains(string(list.body), id) {
		t.Fatal("an archived form is still offered")
	}
	if r := w.call("POST", "/api/v1/forms/"+id+"/publish", admin, nil); r.status != 409 {
		t.Fatalf("publishing an archived form: %d", r.status)
	}
}

func TestFormBadInput(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "d1", false, auth.RoleAdmin))
	w.call("POST", "/api/v1/forms", admin, jsonBody(t, visitForm))
	for name, c := range map[string]struct {
		body     string
		contains string
	}{
		"duplicate key":    {visitForm, `"field":"key"`},
		"unknown setting":  {`{"key":"x","title":"X","category":"custom","fields":[{"key":"a","type":"text","label":"A","colour":"red"}]}`, "colour"},
		"setting for type": {`{"key":"x","title":"X","category":"custom","fields":[{"key":"a","type":"text","label":"A","options":[]}]}`, "setting_not_allowed"},
		"unknown type":     {`{"key":"x","title":"X","category":"custom","fields":[{"key":"a","type":"colour","label":"A"}]}`, `"field":"fields[0].type"`},
		"bad rule":         {`{"key":"x","title":"X","category":"custom","fields":[{"key":"a","type":"text","label":"A","visibleIf":{"eval":1}}]}`, "invalid_rule"},
	} {
		if r := w.call("POST", "/api/v1/forms", admin, jsonBody(t, c.body)); r.status != 400 || !strings.Contains(string(r.body), c.contains) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	draftOnly := str(w.call("POST", "/api/v1/forms", admin, jsonBody(t, strings.Replace(visitForm, `"visit"`, `"visit2"`, 1))).json(t), "id")
	assign := map[string]any{"assignments": []any{map[string]any{"unitId": "unit-d1", "schedule": map[string]any{"kind": "weekly", "weekday": 9, "time": "12:00"}}}}
	if r := w.call("PUT", "/api/v1/forms/"+draftOnly+"/assignments", admin, assign); r.status != 400 || !strings.Contains(string(r.body), "schedule.weekday") {
		t.Errorf("bad weekday: %d %s", r.status, r.body)
	}
	assign["assignments"].([]any)[0].(map[string]any)["schedule"].(map[string]any)["weekday"] = 5
	if r := w.call("PUT", "/api/v1/forms/"+draftOnly+"/assignments", admin, assign); r.status != 409 {
		t.Errorf("assigning an unpublished form: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/forms/"+draftOnly+"?version=x", admin, nil); r.status != 400 {
		t.Errorf("bad version: %d", r.status)
	}
}
