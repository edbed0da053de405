package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"taizhang/auth"
	"taizhang/forms"
	"taizhang/ids"
)

// relations of a target unit to the caller's unit d1.
var relations = map[string]string{"own": "d1", "child": "t1", "sibling": "d2", "parent": "city"}

type matrixCase struct {
	// request builds the call against the target unit (and its resident user).
	request func(w *world, target string, n int) (url string, body any)
	want    func(role auth.Role, rel string) int
}

func always(status int) func(auth.Role, string) int {
	return func(auth.Role, string) int { return status }
}

// adminsInScope: administrators succeed inside their subtree and get outOfScope
// outside it; every other role is forbidden.
func adminsInScope(ok, outOfScope int) func(auth.Role, string) int {
	return func(role auth.Role, rel string) int {
		switch {
		case role != auth.RoleAdmin:
			return http.StatusForbidden
		case rel == "sibling" || rel == "parent":
			return outOfScope
		}
		return ok
	}
}

func fixed(url string, body any) func(*world, string, int) (string, any) {
	return func(*world, string, int) (string, any) { return url, body }
}

func unitURL(suffix string, body any) func(*world, string, int) (string, any) {
	return func(w *world, target string, _ int) (string, any) {
		return "/api/v1/units/" + w.units[target].ID + suffix, body
	}
}

func residentURL(suffix string, body any) func(*world, string, int) (string, any) {
	return func(w *world, target string, _ int) (string, any) {
		return "/api/v1/users/user-" + residents[target] + suffix, body
	}
}

// residents are cadres living in each target unit.
var residents = map[string]string{"d1": "13900000001", "t1": "13900000002", "d2": "13900000003", "city": "13900000004"}

// freshForm stores a published form owned by the target unit and assigned to its
// subtree, so every call works on a form no earlier call archived or changed.
func freshForm(w *world, target string, n int) string {
	unit := w.units[target]
	yes := true
	draft := forms.Form{Key: fmt.Sprintf("form_%d", n), Title: "测试表单", Category: forms.CategoryCustom, Workflow: "approval",
		Fields: []forms.Field{{Key: "name", Type: "text", Label: "姓名", Required: true}}}
	d := forms.Definition{ID: ids.New(w.now), OwnerUnitID: unit.ID, OwnerPath: unit.Path, Key: draft.Key, Draft: draft,
		LatestVersion: 1, Rev: 1, CreatedAt: w.now, UpdatedAt: w.now,
		Assignments: []forms.Assignment{{UnitID: unit.ID, IncludeDescendants: &yes, Schedule: forms.Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}}}}
	ctx, system := context.Background(), auth.SystemScope("unit-city")
	if err := w.st.forms.InsertForm(ctx, system, d); err != nil {
		w.t.Fatal(err)
	}
	v := forms.Version{FormID: d.ID, Version: 1, Hash: forms.HashSchema(draft), Schema: draft, PublishedAt: w.now}
	if err := w.st.forms.InsertVersion(ctx, v); err != nil {
		w.t.Fatal(err)
	}
	return d.ID
}

func formURL(suffix string, body func(n int) any) func(*world, string, int) (string, any) {
	return func(w *world, target string, _ int) (string, any) {
		w.seq++ // the guard checks call requests again: each form needs its own key
		return "/api/v1/forms/" + freshForm(w, target, w.seq) + suffix, body(w.seq)
	}
}

func noBody(int) any { return nil }

// formReaders: forms owned in the caller's subtree (supervisors render their
// units' entries with them) and forms assigned to the caller's unit (the parent's
// form is assigned to its whole subtree) are readable; a sibling's is not.
func formReaders(_ auth.Role, rel string) int {
	if rel == "sibling" {
		return 404
	}
	return 200
}

// matrixForm is a published form assigned to the whole city, made once per world.
func matrixForm(w *world) string {
	if w.formID == "" {
		w.formID = w.publishForm(w.t, visitLite)
	}
	return w.formID
}

// residentToken is a token of the target unit's resident cadre at their current
// auth version (earlier calls may have reset their password; the change it asks
// for is beside the point here).
func residentToken(w *world, target string) string {
	u, err := w.st.org.UserByID(context.Background(), "user-"+residents[target])
	if err != nil {
		w.t.Fatal(err)
	}
	token, _ := w.tokens.Issue(u.ID, u.UnitID, u.Roles, false, u.AuthVersion)
	return token
}

// freshEntry is a submitted entry filed by the target unit's resident cadre.
func freshEntry(w *world, target string) string {
	w.seq++
	token := residentToken(w, target)
	r := w.call("POST", "/api/v1/forms/"+matrixForm(w)+"/entries", token, map[string]any{
		"clientId": fmt.Sprintf("matrix-entry-%06d", w.seq), "data": map[string]any{"name": "住户"}, "submit": true})
	if r.status != 201 {
		w.t.Fatalf("fresh entry: %d %s", r.status, r.body)
	}
	return str(entryOf(w.t, r), "id")
}

// attachmentURL: the target's resident uploads a photo and files an entry with it.
func attachmentURL(w *world, target string, _ int) (string, any) {
	w.seq++
	token := residentToken(w, target)
	up := w.call("POST", "/api/v1/attachments", token, upload{file: pngBytes(uint8(w.seq))})
	if up.status != 201 {
		w.t.Fatalf("upload: %d %s", up.status, up.body)
	}
	id := str(up.json(w.t), "id")
	r := w.call("POST", "/api/v1/forms/"+matrixForm(w)+"/entries", token, map[string]any{
		"clientId": fmt.Sprintf("matrix-photo-%06d", w.seq), "data": map[string]any{"name": "住户", "photos": []string{id}}, "submit": true})
	if r.status != 201 {
		w.t.Fatalf("file with photo: %d %s", r.status, r.body)
	}
	return "/api/v1/attachments/" + id, nil
}

func entryURL(suffix string, body any) func(*world, string, int) (string, any) {
	return func(w *world, target string, _ int) (string, any) {
		return "/api/v1/entries/" + freshEntry(w, target) + suffix, body
	}
}

// entryReaders: entries of the caller's unit and below are readable; others are not found.
func entryReaders(_ auth.Role, rel string) int {
	if rel == "sibling" || rel == "parent" {
		return 404
	}
	return 200
}

// onlyAuthorEdits: nobody but the author edits; outside the scope it is not found.
func onlyAuthorEdits(_ auth.Role, rel string) int {
	if rel == "sibling" || rel == "parent" {
		return 404
	}
	return 403
}

// reviewers: supervisors approve entries of their own unit and the units below
// it (never their own entries; the residents filed these).
func reviewers(role auth.Role, rel string) int {
	switch {
	case rel == "sibling" || rel == "parent":
		return 404
	case role == auth.RoleSupervisor && (rel == "child" || rel == "own"):
		return 200
	}
	return 403
}

// reportURL asks a report about the matrix form for the target unit.
func reportURL(path, extra string) func(*world, string, int) (string, any) {
	return func(w *world, target string, _ int) (string, any) {
		return path + "?formId=" + matrixForm(w) + "&unitId=" + w.units[target].ID + extra, nil
	}
}

// reportReaders: office, administrators and supervisors read reports of their
// subtree; a cadre only of their own unit.
func reportReaders(role auth.Role, rel string) int {
	switch {
	case rel == "sibling" || rel == "parent":
		return 404
	case role == auth.RoleCadre && rel != "own":
		return 404
	}
	return 200
}

// inScope: anyone may export within their subtree (a cadre only their own
// entries); a unit outside it is 404.
func inScope(_ auth.Role, rel string) int {
	if rel == "sibling" || rel == "parent" {
		return 404
	}
	return 200
}

// exempters: only the office and administrators excuse obligations; the
// matrix's units owe nothing for a round before the assignment began, so
// inside the scope the answer is 404 too — the guard is what is tested here.
func exempters(role auth.Role, _ string) int {
	if role == auth.RoleAdmin || role == auth.RoleOffice {
		return 404
	}
	return 403
}

// matrix has one entry per route of the route table; TestAuthorizationMatrix fails
// for a route without one, so no endpoint ships without its access rules tested.
var matrix = map[string]matrixCase{
	"GET /healthz": {fixed("/healthz", nil), always(200)},
	// The public board is everyone's to read, signed in or not; its photos are
	// only those evidence photos it shows (none here).
	"GET /api/v1/public/:slug": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/public/" + w.units[target].ID, nil
	}, always(200)},
	"GET /api/v1/public/:slug/photos/:id": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/public/" + w.units[target].ID + "/photos/0123456789abcdef01234567", nil
	}, always(404)},
	"GET /api/v1/public/:slug/qr.png": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/public/" + w.units[target].ID + "/qr.png", nil
	}, always(200)},
	"GET /readyz":  {fixed("/readyz", nil), always(200)},
	"GET /metrics": {fixed("/metrics", nil), always(403)}, // not loopback, no metrics token: whatever the role
	"POST /api/v1/auth/login": {func(_ *world, _ string, n int) (string, any) {
		return "/api/v1/auth/login", map[string]string{"phone": fmt.Sprintf("1370000%04d", n), "password": "wrong-password"}
	}, always(401)},
	"POST /api/v1/auth/refresh":           {fixed("/api/v1/auth/refresh", map[string]string{"refreshToken": "bogus"}), always(401)},
	"POST /api/v1/auth/logout":            {fixed("/api/v1/auth/logout", map[string]string{"refreshToken": "bogus"}), always(204)},
	"GET /api/v1/auth/oauth":              {fixed("/api/v1/auth/oauth", nil), always(200)},
	"POST /api/v1/auth/wecom/callback":    {fixed("/api/v1/auth/wecom/callback", map[string]any{"code": "x", "state": "forged"}), always(400)},
	"POST /api/v1/auth/dingtalk/callback": {fixed("/api/v1/auth/dingtalk/callback", map[string]any{"code": "x", "state": "forged"}), always(400)},
	"GET /api/v1/me":                      {fixed("/api/v1/me", nil), always(200)},
	"POST /api/v1/me/password": {fixed("/api/v1/me/password",
		map[string]string{"oldPassword": "not-my-password", "newPassword": "another-pass-2"}), always(400)},
	"GET /api/v1/me/counts":        {fixed("/api/v1/me/counts", nil), always(200)},
	"GET /api/v1/units/unreviewed": {fixed("/api/v1/units/unreviewed", nil), adminsInScope(200, 200)},
	"GET /api/v1/units":            {fixed("/api/v1/units", nil), always(200)},
	"POST /api/v1/units": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/units", map[string]any{"name": "新单位", "parentId": w.units[target].ID, "kind": "village"}
	}, adminsInScope(201, 400)},
	"PATCH /api/v1/units/:id":      {unitURL("", map[string]any{"sortOrder": 1}), adminsInScope(200, 404)},
	"GET /api/v1/units/:id/robots": {unitURL("/robots", nil), adminsInScope(200, 404)},
	"PUT /api/v1/units/:id/robots": {unitURL("/robots", map[string]any{"robots": []any{}}), adminsInScope(200, 404)},
	"POST /api/v1/units/:id/move": {unitURL("/move", map[string]any{"parentId": "unit-d1"}),
		func(role auth.Role, rel string) int {
			if role == auth.RoleAdmin && rel == "own" {
				return 403 // nobody moves the top of their own subtree
			}
			return adminsInScope(200, 404)(role, rel)
		}},
	"GET /api/v1/users": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/users?unitId=" + w.units[target].ID, nil
	}, func(role auth.Role, _ string) int {
		if role == auth.RoleCadre {
			return 403
		}
		return 200
	}},
	"POST /api/v1/users": {func(w *world, target string, n int) (string, any) {
		return "/api/v1/users", map[string]any{"phone": fmt.Sprintf("1360000%04d", n), "name": "新用户",
			"unitId": w.units[target].ID, "roles": []string{"admin"}, "password": "pass-word-9"}
	}, adminsInScope(201, 400)},
	"PATCH /api/v1/users/:id":                  {residentURL("", map[string]any{"name": "改名"}), adminsInScope(200, 404)},
	"GET /api/v1/imports/units-users/template": {fixed("/api/v1/imports/units-users/template", nil), adminsInScope(200, 200)},
	"POST /api/v1/imports/units-users": {func(w *world, target string, n int) (string, any) {
		return "/api/v1/imports/units-users", upload{file: workbook(w.t, unitHeader,
			[][]string{{fmt.Sprintf("导入单位%d", n), w.units[target].Name, "村", "", ""}}, nil)}
	}, adminsInScope(201, 400)},
	"GET /api/v1/form-templates": {fixed("/api/v1/form-templates", nil), adminsInScope(200, 200)},
	"POST /api/v1/forms": {func(_ *world, _ string, n int) (string, any) {
		return "/api/v1/forms", map[string]any{"key": fmt.Sprintf("new_%d", n), "title": "新表单", "category": "custom",
			"fields": []any{map[string]any{"key": "a", "type": "text", "label": "A"}}}
	}, adminsInScope(201, 201)},
	"GET /api/v1/forms":                 {fixed("/api/v1/forms", nil), always(200)},
	"GET /api/v1/forms/:id":             {formURL("", noBody), formReaders},
	"GET /api/v1/forms/:id/schema.json": {formURL("/schema.json", noBody), formReaders},
	"POST /api/v1/forms/:id/validate": {formURL("/validate", func(int) any { return map[string]any{"data": map[string]any{}} }),
		formReaders},
	"PUT /api/v1/forms/:id/draft": {formURL("/draft", func(n int) any {
		return map[string]any{"key": fmt.Sprintf("form_%d", n), "title": "改过的表单", "category": "custom",
			"fields": []any{map[string]any{"key": "name", "type": "text", "label": "姓名"}}}
	}), adminsInScope(200, 404)},
	"POST /api/v1/forms/:id/publish": {formURL("/publish", noBody), adminsInScope(200, 404)},
	"POST /api/v1/forms/:id/archive": {formURL("/archive", noBody), adminsInScope(200, 404)},
	"PUT /api/v1/forms/:id/assignments": {formURL("/assignments", func(int) any {
		return map[string]any{"assignments": []any{map[string]any{"unitId": "unit-d1",
			"schedule": map[string]any{"kind": "weekly", "weekday": 5, "time": "12:00"}}}}
	}), adminsInScope(200, 404)},
	"POST /api/v1/forms/:formId/entries": {func(w *world, _ string, _ int) (string, any) {
		w.seq++
		return "/api/v1/forms/" + matrixForm(w) + "/entries", map[string]any{"clientId": fmt.Sprintf("matrix-file-%06d", w.seq),
			"data": map[string]any{"name": "住户"}, "submit": false}
	}, always(201)},
	"POST /api/v1/forms/:id/imports": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/forms/" + matrixForm(w) + "/imports?dryRun=true", upload{file: ledgerSheet(w.t, []any{"单位", "姓名"}, []any{w.units[target].Name, "住户"})}
	}, func(role auth.Role, _ string) int {
		if role == auth.RoleAdmin || role == auth.RoleOffice {
			return 200 // a unit outside the scope is a problem in the report
		}
		return 403
	}},
	"GET /api/v1/entries":     {fixed("/api/v1/entries", nil), always(200)},
	"GET /api/v1/entries/:id": {entryURL("", nil), entryReaders},
	"PATCH /api/v1/entries/:id": {func(w *world, target string, n int) (string, any) {
		url, _ := entryURL("", nil)(w, target, n)
		return url, withHeaders{body: map[string]any{"data": map[string]any{"name": "改"}}, headers: map[string]string{"If-Match": "1"}}
	}, onlyAuthorEdits},
	"POST /api/v1/entries/:id/actions": {entryURL("/actions", map[string]any{"action": "approve", "rev": 1}), reviewers},
	"POST /api/v1/entries/:id/signals/:index/explain": {entryURL("/signals/0/explain", map[string]any{"comment": "已核实"}),
		func(role auth.Role, rel string) int {
			switch {
			case entryReaders(role, rel) == 404:
				return 404
			case role == auth.RoleSupervisor || role == auth.RoleOffice:
				return 404 // allowed, but the matrix's entry has no signal 0
			}
			return 403
		}},
	"GET /api/v1/reports/compliance":  {reportURL("/api/v1/reports/compliance", ""), reportReaders},
	"GET /api/v1/reports/obligations": {reportURL("/api/v1/reports/obligations", "&period=2026-W49"), reportReaders},
	"GET /api/v1/reports/summary":     {reportURL("/api/v1/reports/summary", ""), reportReaders},
	"GET /api/v1/reports/overdue": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/reports/overdue?unitId=" + w.units[target].ID, nil
	}, reportReaders},
	"GET /api/v1/reports/briefing.xlsx": {reportURL("/api/v1/reports/briefing.xlsx", "&period=2026-W49"), reportReaders},
	"GET /api/v1/forms/:id/export.:format": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/forms/" + matrixForm(w) + "/export.csv?unitId=" + w.units[target].ID, nil
	}, inScope},
	"POST /api/v1/exports": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/exports", map[string]any{"kind": "entries", "formId": matrixForm(w), "format": "csv",
			"filters": map[string]any{"unitId": w.units[target].ID}}
	}, func(role auth.Role, rel string) int {
		if inScope(role, rel) == 404 {
			return 404
		}
		return 202
	}},
	"GET /api/v1/push/key":              {fixed("/api/v1/push/key", nil), always(200)},
	"GET /api/v1/push/subscriptions":    {fixed("/api/v1/push/subscriptions", nil), always(200)},
	"DELETE /api/v1/push/subscriptions": {fixed("/api/v1/push/subscriptions", map[string]any{"endpoint": "https://push.example/none"}), always(204)},
	"POST /api/v1/push/subscriptions": {fixed("/api/v1/push/subscriptions", map[string]any{"endpoint": "https://push.example/sub",
		"keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}), always(201)},
	"GET /api/v1/exports":          {fixed("/api/v1/exports", nil), always(200)},
	"GET /api/v1/exports/:id":      {fixed("/api/v1/exports/no-such-job", nil), always(404)},
	"GET /api/v1/exports/:id/file": {fixed("/api/v1/exports/no-such-job/file", nil), always(404)},
	"POST /api/v1/obligations/exemptions": {func(w *world, target string, _ int) (string, any) {
		return "/api/v1/obligations/exemptions", map[string]any{"formId": matrixForm(w), "unitId": w.units[target].ID,
			"period": "2026-W40", "reason": "防汛抢险"}
	}, exempters},
	"DELETE /api/v1/obligations/exemptions/:id": {fixed("/api/v1/obligations/exemptions/no-such-exemption", nil), exempters},
	"GET /api/v1/audit": {fixed("/api/v1/audit", nil), func(role auth.Role, _ string) int {
		if role == auth.RoleAdmin || role == auth.RoleOffice {
			return 200
		}
		return 403
	}},
	"POST /api/v1/attachments": {func(w *world, _ string, _ int) (string, any) {
		w.seq++
		return "/api/v1/attachments", upload{file: pngBytes(uint8(w.seq))}
	}, always(201)},
	"GET /api/v1/attachments/:id": {attachmentURL, entryReaders},
	"POST /api/v1/attachments/uploads": {fixed("/api/v1/attachments/uploads",
		map[string]any{"sha256": strings.Repeat("ab", 32), "size": 10}), always(201)},
	// Uploads belong to their starter: anyone else's upload id is not found.
	"GET /api/v1/attachments/uploads/:uploadId": {fixed("/api/v1/attachments/uploads/"+strings.Repeat("0", 24), nil), always(404)},
	"PATCH /api/v1/attachments/uploads/:uploadId": {fixed("/api/v1/attachments/uploads/"+strings.Repeat("0", 24),
		withHeaders{body: rawBody("x"), headers: map[string]string{"Content-Range": "bytes 0-0/10"}}), always(404)},
	"GET /api/v1/notifications":             {fixed("/api/v1/notifications", nil), always(200)},
	"POST /api/v1/notifications/read":       {fixed("/api/v1/notifications/read", map[string]any{"ids": []string{}}), always(204)},
	"POST /api/v1/users/:id/reset-password": {residentURL("/reset-password", map[string]any{"password": "reset-pass-7"}), adminsInScope(200, 404)},
}

// TestAuthorizationMatrix calls every route as every role sitting in d1, against
// its own unit, a child, a sibling and the parent, and checks the status and that
// nothing of the sibling's leaks.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	for target, phone := range residents {
		w.addUser(phone, target, false, auth.RoleCadre)
	}
	pending := w.tokenFor(w.addUser("13400000000", "d1", true, auth.Roles...))
	routes := (&server{deps: Deps{Metrics: NewMetrics("test")}}).Routes()
	seen := map[string]bool{}
	n := 0
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		c, ok := matrix[key]
		if !ok {
			t.Errorf("route %s has no entry in the authorization matrix", key)
			continue
		}
		for _, role := range auth.Roles {
			actor := w.addUser(fmt.Sprintf("1350000%04d", n), "d1", false, role)
			n++
			for rel, target := range relations {
				url, body := c.request(w, target, n)
				n++
				got := w.call(r.Method, url, w.tokenFor(actor), body)
				if want := c.want(role, rel); got.status != want {
					t.Errorf("%s as %s on %s unit: status %d, want %d: %s", key, role, rel, got.status, want, got.body)
				}
				for _, secret := range []string{"unit-d2", residents["d2"]} {
					// The public board names the unit it was asked for: that is its job.
					if !r.Access.Public && strings.Contains(string(got.body), secret) {
						t.Errorf("%s as %s on %s unit leaks %s: %s", key, role, rel, secret, got.body)
					}
				}
			}
		}
		checkGuards(t, w, r, c, pending)
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("the matrix names %s, which is not a route", key)
		}
	}
}

// checkGuards: without a token every non-public route is 401; with a token that
// must change its password, only /me and /me/password answer.
func checkGuards(t *testing.T, w *world, r Route, c matrixCase, pending string) {
	t.Helper()
	if r.Access.Public {
		return
	}
	url, body := c.request(w, "d1", 0)
	if got := w.call(r.Method, url, "", body); got.status != 401 {
		t.Errorf("%s %s without a token: %d, want 401", r.Method, r.Path, got.status)
	}
	got := w.call(r.Method, url, pending, body)
	if r.Access.DuringPasswordChange {
		if got.status == 403 {
			t.Errorf("%s %s must stay open during a password change: %s", r.Method, r.Path, got.body)
		}
	} else if got.status != 403 || !strings.Contains(string(got.body), "password_change_required") {
		t.Errorf("%s %s with a pending password change: %d %s, want 403 password_change_required", r.Method, r.Path, got.status, got.body)
	}
}
