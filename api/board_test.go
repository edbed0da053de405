package api

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/forms"
)

// TestPublicCommitmentBoard: a problem item (the template is a public
// commitment) appears on the boards of its unit, the units above and the
// city once 立项, not before; only public fields are shown, never the people;
// after 销号 its evidence photo is served without signing in, and no other
// attachment is; the QR code points at the board; a flood is limited.
func TestPublicCommitmentBoard(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		w := open(t)
		formID := w.publishForm(t, forms.Templates(forms.DefaultCampaignEnd)[1])
		cadre := w.tokenFor(w.addUser("13900000001", "v1", false, auth.RoleCadre))
		sup := w.tokenFor(w.addUser("13900000002", "t1", false, auth.RoleSupervisor))
		sample := forms.TemplateSamples()["problem"]
		sample["owner"] = "张责任" // who answers for it: never on the board
		e := entryOf(t, w.call("POST", "/api/v1/forms/"+formID+"/entries", cadre, map[string]any{"clientId": "7d3f0a52-dddd-4e6b-9b1e-00000000000d", "data": sample, "submit": true}))
		board := func(slug string) reply { return w.call("GET", "/api/v1/public/"+slug, "", nil) }
		items := func(slug string) []any {
			r := board(slug)
			if r.status != 200 {
				t.Fatalf("board %s: %d %s", slug, r.status, r.body)
			}
			return r.json(t)["items"].([]any)
		}
		if n := len(items(w.units["v1"].ID)); n != 0 {
			t.Fatalf("a submitted item is on the board before 立项: %d", n)
		}
		act := func(token, action string, data map[string]any, comment string) {
			t.Helper()
			r := w.call("POST", "/api/v1/entries/"+str(e, "id")+"/actions", token, map[string]any{"action": action, "rev": e["rev"], "data": data, "comment": comment})
			if r.status != 200 {
				t.Fatalf("%s: %d %s", action, r.status, r.body)
			}
			e = entryOf(t, r)
		}
		act(sup, "accept", nil, "")
		w.now = w.now.Add(2 * time.Minute) // past the board's cache
		for _, unit := range []string{"v1", "t1", "city"} {
			if n := len(items(w.units[unit].ID)); n != 1 {
				t.Fatalf("board of %s has %d items, want 1", unit, n)
			}
		}
		if n := len(items(w.units["d2"].ID)); n != 0 {
			t.Fatalf("another district's board shows %d items", n)
		}
		page := board(w.units["t1"].ID)
		body := string(page.body)
		item := page.json(t)["items"].([]any)[0].(map[string]any)
		if item["status"] != "已立项" || item["unit"] != "单位t1/单位v1" || item["progress"] != "整改措施 0/1 项已完成" ||
			!strings.Contains(body, sample["problem"].(string)) || !strings.Contains(body, "完成时限") || page.header.Get("Cache-Control") != "public, max-age=60" {
			t.Fatalf("board: %s", body)
		}
		owner := sample["owner"].(string)
		for _, private := range []string{owner, "用户0001", "用户0002", "13900000001", "authorId", "责任人"} {
			if strings.Contains(body, private) {
				t.Fatalf("the public board shows %q: %s", private, body)
			}
		}
		photo := str(w.call("POST", "/api/v1/attachments", cadre, upload{file: pngBytes(41)}).json(t), "id")
		other := str(w.call("POST", "/api/v1/attachments", cadre, upload{file: pngBytes(42)}).json(t), "id")
		act(cadre, "measure", map[string]any{"measure": 0, "evidence": "公开栏已更新", "evidencePhotos": []any{photo}}, "")
		act(cadre, "rectify", map[string]any{}, "")
		act(sup, "close", nil, "")
		w.now = w.now.Add(2 * time.Minute)
		closed := items(w.units["v1"].ID)[0].(map[string]any)
		if closed["status"] != "已销号" || closed["closed"] != true || fmt.Sprint(closed["evidence"]) != "["+photo+"]" {
			t.Fatalf("closed item: %v", closed)
		}
		slug := w.units["v1"].ID
		if r := w.call("GET", "/api/v1/public/"+slug+"/photos/"+photo, "", nil); r.status != 200 || !bytes.Equal(r.body, pngBytes(41)) {
			t.Fatalf("the evidence photo without signing in: %d", r.status)
		}
		for _, id := range []string{other, "0123456789abcdef01234567"} {
			if r := w.call("GET", "/api/v1/public/"+slug+"/photos/"+id, "", nil); r.status != 404 {
				t.Fatalf("another attachment through the board: %d", r.status)
			}
		}
		if r := w.call("GET", "/api/v1/public/"+w.units["d2"].ID+"/photos/"+photo, "", nil); r.status != 404 {
			t.Fatalf("the photo through another unit's board: %d", r.status)
		}
		qr := w.call("GET", "/api/v1/public/"+slug+"/qr.png", "", nil)
		if _, err := png.Decode(bytes.NewReader(qr.body)); qr.status != 200 || err != nil {
			t.Fatalf("QR code: %d %v", qr.status, err)
		}
		if r := board("no-such-unit"); r.status != 404 {
			t.Fatalf("an unknown unit: %d", r.status)
		}
	})
}

// TestPublicBoardIsLimited: one address asking too often is told to wait.
func TestPublicBoardIsLimited(t *testing.T) {
	w := newWorld(t)
	var last reply
	for range publicPerMinute + 1 {
		last = w.call("GET", "/api/v1/public/"+w.units["v1"].ID, "", nil)
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("the %dth request in a minute: %d", publicPerMinute+1, last.status)
	}
}

// TestPersonalFieldsCannotBePublic: a form cannot put an ID number, a phone
// or a person on the public board.
func TestPersonalFieldsCannotBePublic(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13700000001", "city", false, auth.RoleAdmin))
	for _, typ := range []string{"idcard", "phone", "user", "signature", "geopoint", "file"} {
		schema := forms.Form{Key: "pc_" + typ, Title: "公开承诺", Category: forms.CategoryProblem, Workflow: "rectification", PublicCommitment: true,
			Fields: []forms.Field{{Key: "what", Type: "text", Label: "承诺", Public: true}, {Key: "who", Type: typ, Label: "个人信息", Public: true}}}
		if r := w.call("POST", "/api/v1/forms", admin, schema); r.status != 400 || !strings.Contains(string(r.body), "fields[1].public") {
			t.Errorf("%s public: %d %s", typ, r.status, r.body)
		}
	}
}
