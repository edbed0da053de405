package api

import (
	"strings"
	"testing"

	"taizhang/auth"
)

func TestUnitAndUserBadInput(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin, auth.RoleCadre))
	w.addUser("13800000002", "v1", false, auth.RoleCadre)
	user := func(phone, name string) map[string]any {
		return map[string]any{"phone": phone, "name": name, "unitId": "unit-t1", "roles": []string{"cadre"}, "password": "pass-word-1"}
	}
	for _, sc := range []struct {
		name, method, url string
		body              any
		status            int
		contains          string
	}{
		{"phone with letters", "POST", "/api/v1/users", user("1380013800a", "张三"), 400, `"field":"phone"`},
		{"phone with 10 digits", "POST", "/api/v1/users", user("1380013800", "张三"), 400, `"field":"phone"`},
		{"phone with 12 digits", "POST", "/api/v1/users", user("138001380001", "张三"), 400, `"field":"phone"`},
		{"duplicate phone", "POST", "/api/v1/users", user("13800000002", "张三"), 400, `"code":"duplicate"`},
		{"name with emoji", "POST", "/api/v1/users", user("13800000003", "张三😀"), 400, `"field":"name"`},
		{"name of 500 characters", "POST", "/api/v1/users", user("13800000003", strings.Repeat("张", 500)), 400, `"field":"name"`},
		{"a role the admin does not hold is still theirs to grant", "POST", "/api/v1/users", map[string]any{"phone": "13800000009",
			"name": "张三", "unitId": "unit-d2", "roles": []string{"office"}, "password": "pass-word-1"}, 201, `"office"`},
		{"an unknown role", "POST", "/api/v1/users", map[string]any{"phone": "13800000003", "name": "张三",
			"unitId": "unit-t1", "roles": []string{"root"}, "password": "pass-word-1"}, 400, `"field":"roles"`},
		{"all-digit password", "POST", "/api/v1/users", map[string]any{"phone": "13800000003", "name": "张三",
			"unitId": "unit-t1", "roles": []string{"cadre"}, "password": "12345678"}, 400, `"field":"password"`},
		{"unit name with emoji", "POST", "/api/v1/units", map[string]any{"name": "🏠村", "parentId": "unit-t1", "kind": "village"}, 400, `"field":"name"`},
		{"unknown unit kind", "POST", "/api/v1/units", map[string]any{"name": "新村", "parentId": "unit-t1", "kind": "planet"}, 400, `"field":"kind"`},
		{"move under its own descendant", "POST", "/api/v1/units/unit-d1/move", map[string]any{"parentId": "unit-v1"}, 409, "下级单位"},
		{"move under itself", "POST", "/api/v1/units/unit-d1/move", map[string]any{"parentId": "unit-d1"}, 409, "下级单位"},
		{"deactivate a unit with active users", "PATCH", "/api/v1/units/unit-t1", map[string]any{"active": false}, 409, "1 名在用用户"},
		{"unknown unit", "PATCH", "/api/v1/units/unit-nope", map[string]any{"name": "x"}, 404, "not_found"},
		{"unknown field", "PATCH", "/api/v1/units/unit-t1", map[string]any{"path": []string{"x"}}, 400, `"field":"path"`},
	} {
		got := w.call(sc.method, sc.url, admin, sc.body)
		if got.status != sc.status || !strings.Contains(string(got.body), sc.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", sc.name, got.status, got.body, sc.status, sc.contains)
		}
	}
}

func TestUnitLifecycle(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin))
	created := w.call("POST", "/api/v1/units", admin, map[string]any{"name": "河口镇", "parentId": "unit-d1", "kind": "township"})
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	id := str(created.json(t), "id")
	if moved := w.call("POST", "/api/v1/units/"+id+"/move", admin, map[string]any{"parentId": "unit-d2"}); moved.status != 200 ||
		str(moved.json(t), "parentId") != "unit-d2" {
		t.Fatalf("move: %d %s", moved.status, moved.body)
	}
	renamed := w.call("PATCH", "/api/v1/units/"+id, admin, map[string]any{"name": "河口街道", "active": false})
	if renamed.status != 200 || str(renamed.json(t), "name") != "河口街道" || renamed.json(t)["active"] != false {
		t.Fatalf("rename and deactivate an empty unit: %d %s", renamed.status, renamed.body)
	}
	list := w.call("GET", "/api/v1/units", admin, nil)
	if list.status != 200 || !strings.HasPrefix(string(list.body), "[") || !strings.Contains(string(list.body), "河口街道") {
		t.Fatalf("list is a flat array: %s", list.body)
	}
}
