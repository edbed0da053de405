package api

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/signals"
	"taizhang/signals/signalstest"
)

// visitRecord is a 办实事 record with what signals compare: the day and place
// it claims, a long description, photos.
var visitRecord = forms.Form{Key: "record", Title: "办实事记录", Category: forms.CategoryShishi, Workflow: "approval",
	Fields: []forms.Field{{Key: "name", Type: "text", Label: "事项", Required: true}, {Key: "day", Type: "date", Label: "日期"},
		{Key: "place", Type: "geopoint", Label: "地点"}, {Key: "what", Type: "textarea", Label: "办理情况"},
		{Key: "photos", Type: "photo", Label: "照片"}}}

const what = "走访红旗村低保户王某家，了解到自来水管冻裂，协调水务站当天上门更换水管并回访，群众表示满意。"

type signalWorld struct {
	*world
	formID                               string
	cadre, stranger, strangerSup, office string
}

func newSignalWorld(t *testing.T, w *world) signalWorld {
	sw := signalWorld{world: w, formID: w.publishForm(t, visitRecord)}
	sw.cadre = w.tokenFor(w.addUser("13900000101", "v1", false, auth.RoleCadre))
	sw.stranger = w.tokenFor(w.addUser("13900000102", "d2", false, auth.RoleCadre))
	sw.strangerSup = w.tokenFor(w.addUser("13900000103", "d2", false, auth.RoleSupervisor))
	sw.office = w.tokenFor(w.addUser("13900000104", "city", false, auth.RoleOffice))
	return sw
}

func (sw signalWorld) photo(t *testing.T, token string, file []byte) string {
	t.Helper()
	r := sw.call("POST", "/api/v1/attachments", token, upload{file: file})
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	return str(r.json(t), "id")
}

// submit files and submits a record, runs the signals check the server runs
// in the background, and returns the entry as its author then reads it.
func (sw signalWorld) submit(t *testing.T, token string, data map[string]any) map[string]any {
	t.Helper()
	r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", token, map[string]any{
		"clientId": fmt.Sprintf("signal-%06d", sw.next()), "data": data, "submit": true})
	if r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	if kinds := signalKinds(entryOf(t, r)); len(kinds) != 0 {
		t.Fatalf("the filing waited for its signals: %v", kinds)
	}
	sw.checkSignals(t)
	return entryOf(t, sw.call("GET", "/api/v1/entries/"+str(entryOf(t, r), "id"), token, nil))
}

// checkSignals runs the check the server runs every second.
func (w *world) checkSignals(t testing.TB) {
	t.Helper()
	if _, err := w.entries.CheckSignals(context.Background(), w.units["city"].ID, 1000); err != nil {
		t.Fatal(err)
	}
}

func signalKinds(e map[string]any) []string {
	var kinds []string
	for _, s := range e["signals"].([]any) {
		kinds = append(kinds, s.(map[string]any)["kind"].(string))
	}
	return kinds
}

func jpegOf(t testing.TB, img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReusedPhotoAndCopiedTextAreSignals: a village files a record; a cadre
// of another district files the same photo re-encoded and the description
// copied. The second entry carries photo_reuse and text_copy naming the first
// (its unit and date), its reviewer sees them but not the first entry's
// content, the office sees both; an unrelated photo and text raise nothing;
// the reviewer explains a signal, which is audited; the filer cannot.
func TestReusedPhotoAndCopiedTextAreSignals(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		sw := newSignalWorld(t, open(t))
		scene := signalstest.Scene(1, 640, 480)
		first := sw.submit(t, sw.cadre, map[string]any{"name": "更换水管", "what": what,
			"photos": []string{sw.photo(t, sw.cadre, jpegOf(t, scene, 90))}})
		if kinds := signalKinds(first); len(kinds) != 0 {
			t.Fatalf("the first record has signals: %v", kinds)
		}
		copied := sw.submit(t, sw.stranger, map[string]any{"name": "走访", "what": strings.Replace(what, "王某", "李某", 1),
			"photos": []string{sw.photo(t, sw.stranger, jpegOf(t, scene, 45))}})
		kinds := signalKinds(copied)
		if len(kinds) != 2 || kinds[0] != "photo_reuse" || kinds[1] != "text_copy" {
			t.Fatalf("signals: %v", copied["signals"])
		}
		reuse := copied["signals"].([]any)[0].(map[string]any)
		if reuse["otherEntryId"] != str(first, "id") || !strings.Contains(reuse["detail"].(string), sw.units["v1"].Name) ||
			reuse["kindName"] != "照片重复" || reuse["photo"] == nil || reuse["otherPhoto"] == nil {
			t.Fatalf("photo reuse: %v", reuse)
		}
		// Its reviewer sees the signal, not the other district's entry or photo.
		got := entryOf(t, sw.call("GET", "/api/v1/entries/"+str(copied, "id"), sw.strangerSup, nil))
		if len(signalKinds(got)) != 2 {
			t.Fatalf("the reviewer's read: %v", got["signals"])
		}
		for _, url := range []string{"/api/v1/entries/" + str(first, "id"), "/api/v1/attachments/" + reuse["otherPhoto"].(string)} {
			if r := sw.call("GET", url, sw.strangerSup, nil); r.status != 404 {
				t.Fatalf("%s for the other district's reviewer: %d", url, r.status)
			}
			if r := sw.call("GET", url, sw.office, nil); r.status != 200 {
				t.Fatalf("%s for the office: %d", url, r.status)
			}
		}
		unrelated := sw.submit(t, sw.stranger, map[string]any{"name": "修路灯",
			"what":   "村道路灯损坏两个月未修，联系供电所更换灯具三盏，并建立路灯巡查台账，每月检查一次。",
			"photos": []string{sw.photo(t, sw.stranger, jpegOf(t, signalstest.Scene(2, 640, 480), 90))}})
		if kinds := signalKinds(unrelated); len(kinds) != 0 {
			t.Fatalf("an unrelated record: %v", unrelated["signals"])
		}
		flagged := func() (total float64, d2 float64) {
			sum := sw.call("GET", "/api/v1/reports/summary?formId="+sw.formID+"&unitId="+sw.units["city"].ID, sw.office, nil).json(t)
			for _, u := range sum["byUnit"].([]any) {
				if u := u.(map[string]any); u["unitId"] == sw.units["d2"].ID {
					d2 = u["flagged"].(float64)
				}
			}
			return sum["flagged"].(float64), d2
		}
		if total, d2 := flagged(); total != 1 || d2 != 1 {
			t.Fatalf("the office's summary counts %v flagged entries, %v in d2; want 1 and 1", total, d2)
		}
		explain := "/api/v1/entries/" + str(copied, "id") + "/signals/0/explain"
		if r := sw.call("POST", explain, sw.stranger, map[string]any{"comment": "是我"}); r.status != 403 {
			t.Fatalf("the filer explains: %d", r.status)
		}
		if r := sw.call("POST", explain, sw.strangerSup, map[string]any{"comment": " "}); r.status != 422 {
			t.Fatalf("an empty explanation: %d", r.status)
		}
		r := sw.call("POST", explain, sw.strangerSup, map[string]any{"comment": "两村联合办理，共用照片，已电话核实"})
		explained := entryOf(t, r)["signals"].([]any)[0].(map[string]any)["explained"]
		if r.status != 200 || explained == nil || explained.(map[string]any)["byName"] == "" {
			t.Fatalf("explain: %d %s", r.status, r.body)
		}
		if log := sw.call("GET", "/api/v1/audit?action=entry.signal.explain", sw.office, nil); !strings.Contains(string(log.body), "两村联合办理") {
			t.Fatalf("the explanation is not in the audit log: %s", log.body)
		}
		if r := sw.call("POST", strings.Replace(explain, "/0/", "/1/", 1), sw.strangerSup, map[string]any{"comment": "同一模板，已提醒"}); r.status != 200 {
			t.Fatalf("explain the second: %d %s", r.status, r.body)
		}
		if total, _ := flagged(); total != 0 {
			t.Fatalf("after every signal is explained the summary still counts %v flagged", total)
		}
		// The office's export has a 疑点 column (of entries filed before it began).
		sw.now = sw.now.Add(time.Minute)
		csv := string(sw.call("GET", "/api/v1/forms/"+sw.formID+"/export.csv", sw.office, nil).body)
		for _, want := range []string{"疑点", "照片重复：" + sw.units["v1"].Name, "（已核实：两村联合办理", "文字雷同：文字与"} {
			if !strings.Contains(csv, want) {
				t.Errorf("the export lacks %q:\n%s", want, csv)
			}
		}
	})
}

// TestCopiesFiledTogetherAreFoundInOneCheck: the background check checks a
// batch of entries and stores their results together; a copy filed before
// the check of the entry it copies still names it, the earlier one nothing.
func TestCopiesFiledTogetherAreFoundInOneCheck(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		sw := newSignalWorld(t, open(t))
		scene := signalstest.Scene(7, 640, 480)
		var filed []string
		for _, f := range []struct {
			token, what string
			quality     int
		}{{sw.cadre, what, 90}, {sw.stranger, strings.Replace(what, "王某", "李某", 1), 45}} {
			r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", f.token, map[string]any{
				"clientId": fmt.Sprintf("together-%06d", sw.next()), "submit": true,
				"data": map[string]any{"name": "走访", "what": f.what, "photos": []string{sw.photo(t, f.token, jpegOf(t, scene, f.quality))}}})
			if r.status != 201 {
				t.Fatalf("file: %d %s", r.status, r.body)
			}
			filed = append(filed, str(entryOf(t, r), "id"))
			sw.now = sw.now.Add(time.Minute)
		}
		sw.checkSignals(t)
		first := entryOf(t, sw.call("GET", "/api/v1/entries/"+filed[0], sw.office, nil))
		copied := entryOf(t, sw.call("GET", "/api/v1/entries/"+filed[1], sw.office, nil))
		if kinds := signalKinds(first); len(kinds) != 0 {
			t.Fatalf("the first entry has signals: %v", first["signals"])
		}
		kinds := signalKinds(copied)
		if len(kinds) != 2 || kinds[0] != "photo_reuse" || kinds[1] != "text_copy" {
			t.Fatalf("the copy checked in the same batch: %v", copied["signals"])
		}
		for _, s := range copied["signals"].([]any) {
			if other := s.(map[string]any)["otherEntryId"]; other != filed[0] {
				t.Fatalf("the copy names %v, not the entry it copies %s", other, filed[0])
			}
		}
	})
}

// TestARecheckedEntryCountsOnce: an entry returned and submitted again is
// checked again while its earlier prints are still stored; a copy checked in
// the same batch finds it both stored and pending, and counts it once.
func TestARecheckedEntryCountsOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		sw := newSignalWorld(t, open(t))
		sup := sw.tokenFor(sw.addUser("13900000106", "t1", false, auth.RoleSupervisor))
		scene := signalstest.Scene(8, 640, 480)
		original := sw.submit(t, sw.cadre, map[string]any{"name": "走访", "what": what, "photos": []string{sw.photo(t, sw.cadre, jpegOf(t, scene, 90))}})
		id := str(original, "id")
		for _, step := range []struct {
			token, action string
			rev           int
		}{{sup, "return", 1}, {sw.cadre, "submit", 2}} {
			r := sw.call("POST", "/api/v1/entries/"+id+"/actions", step.token, map[string]any{"action": step.action, "rev": step.rev, "comment": "请补充"})
			if r.status != 200 {
				t.Fatalf("%s: %d %s", step.action, r.status, r.body)
			}
		}
		sw.now = sw.now.Add(time.Minute)
		r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", sw.stranger, map[string]any{"clientId": "recheck-copy", "submit": true,
			"data": map[string]any{"name": "走访", "what": what, "photos": []string{sw.photo(t, sw.stranger, jpegOf(t, scene, 45))}}})
		if r.status != 201 {
			t.Fatalf("file the copy: %d %s", r.status, r.body)
		}
		sw.checkSignals(t) // the original (due again) and the copy, in one batch
		copied := entryOf(t, sw.call("GET", "/api/v1/entries/"+str(entryOf(t, r), "id"), sw.office, nil))
		if kinds := signalKinds(copied); len(kinds) != 2 {
			t.Fatalf("the copy's signals: %v", copied["signals"])
		}
		for _, s := range copied["signals"].([]any) {
			if s := s.(map[string]any); s["otherEntryId"] != id || strings.Contains(s["detail"].(string), "另有") {
				t.Fatalf("the copy names the original as %v: %v", s["otherEntryId"], s["detail"])
			}
		}
	})
}

// TestAResubmittedEntryKeepsOnlyItsNewPrints: an entry returned, given
// another photo and submitted again leaves that photo's print in the index
// and no longer the first one's: a later copy of the first photo raises
// nothing, a copy of the second names the entry. (A new entry's first check
// has no prints to replace and skips removing them.)
func TestAResubmittedEntryKeepsOnlyItsNewPrints(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(*testing.T) *world) {
		sw := newSignalWorld(t, open(t))
		sup := sw.tokenFor(sw.addUser("13900000107", "t1", false, auth.RoleSupervisor))
		first, second := signalstest.Scene(11, 640, 480), signalstest.Scene(12, 640, 480)
		entry := sw.submit(t, sw.cadre, map[string]any{"name": "走访", "photos": []string{sw.photo(t, sw.cadre, jpegOf(t, first, 90))}})
		id := str(entry, "id")
		if r := sw.call("POST", "/api/v1/entries/"+id+"/actions", sup, map[string]any{"action": "return", "rev": 1, "comment": "照片不清楚"}); r.status != 200 {
			t.Fatalf("return: %d %s", r.status, r.body)
		}
		edited := sw.callWith("PATCH", "/api/v1/entries/"+id, sw.cadre,
			map[string]any{"data": map[string]any{"name": "走访", "photos": []string{sw.photo(t, sw.cadre, jpegOf(t, second, 90))}}}, map[string]string{"If-Match": "2"})
		if edited.status != 200 {
			t.Fatalf("edit: %d %s", edited.status, edited.body)
		}
		if r := sw.call("POST", "/api/v1/entries/"+id+"/actions", sw.cadre, map[string]any{"action": "submit", "rev": 3}); r.status != 200 {
			t.Fatalf("submit again: %d %s", r.status, r.body)
		}
		sw.checkSignals(t)
		sw.now = sw.now.Add(time.Minute)
		if kinds := signalKinds(sw.submit(t, sw.stranger, map[string]any{"name": "走访", "photos": []string{sw.photo(t, sw.stranger, jpegOf(t, first, 45))}})); len(kinds) != 0 {
			t.Fatalf("a copy of the photo the entry no longer holds: %v", kinds)
		}
		copied := sw.submit(t, sw.stranger, map[string]any{"name": "走访", "photos": []string{sw.photo(t, sw.stranger, jpegOf(t, second, 45))}})
		if kinds := signalKinds(copied); len(kinds) != 1 || copied["signals"].([]any)[0].(map[string]any)["otherEntryId"] != id {
			t.Fatalf("a copy of the entry's new photo: %v", copied["signals"])
		}
	})
}

// TestPhotoTimeAndPlace: a photo whose EXIF says it was taken a month before
// the day claimed, 40 km away, raises photo_time and photo_place; the same
// claims sent by the phone for a photo without EXIF do too, marked as
// claimed; a photo without either is no evidence.
func TestPhotoTimeAndPlace(t *testing.T) {
	sw := newSignalWorld(t, newWorld(t))
	sw.now = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	sw.cadre = sw.tokenFor(sw.addUser("13900000105", "v1", false, auth.RoleCadre))
	claims := map[string]any{"name": "走访", "day": "2026-11-30", "place": map[string]any{"lat": 30.27, "lng": 120.15}}
	withData := func(photo string) map[string]any {
		data := map[string]any{"photos": []string{photo}}
		for k, v := range claims {
			data[k] = v
		}
		return data
	}
	camera := signalstest.JPEGWithEXIF(t, signalstest.Scene(3, 320, 240), "2026:10:28 09:00:00", 30.63, 120.15) // ≈ 40 km north
	e := sw.submit(t, sw.cadre, withData(sw.photo(t, sw.cadre, camera)))
	if kinds := signalKinds(e); len(kinds) != 2 || kinds[0] != "photo_time" || kinds[1] != "photo_place" {
		t.Fatalf("signals: %v", e["signals"])
	}
	if detail := e["signals"].([]any)[0].(map[string]any)["detail"].(string); !strings.Contains(detail, "2026-10-28") || !strings.Contains(detail, "33 天") {
		t.Fatalf("time detail: %s", detail)
	}
	// The PWA's compressed copy carries no EXIF; it sends what it read first.
	r := sw.call("POST", "/api/v1/attachments", sw.cadre, upload{file: jpegOf(t, signalstest.Scene(4, 320, 240), 80),
		fields: map[string]string{"takenAt": "2026-10-28T09:00:00+08:00", "lat": "30.63", "lng": "120.15"}})
	if r.status != 201 || r.json(t)["meta"].(map[string]any)["source"] != "claimed" {
		t.Fatalf("claimed upload: %d %s", r.status, r.body)
	}
	claimed := sw.submit(t, sw.cadre, withData(str(r.json(t), "id")))
	if detail := fmt.Sprint(claimed["signals"]); !strings.Contains(detail, "photo_time") || !strings.Contains(detail, "手机") {
		t.Fatalf("claimed signals: %s", detail)
	}
	plain := sw.submit(t, sw.cadre, withData(sw.photo(t, sw.cadre, jpegOf(t, signalstest.Scene(5, 320, 240), 80))))
	if kinds := signalKinds(plain); len(kinds) != 0 {
		t.Fatalf("no EXIF is no evidence: %v", plain["signals"])
	}
	for name, fields := range map[string]map[string]string{"absurd date": {"takenAt": "1900-01-01T00:00:00Z"}, "not a date": {"takenAt": "yesterday"},
		"off the globe": {"lat": "123", "lng": "500"}} {
		r := sw.call("POST", "/api/v1/attachments", sw.cadre, upload{file: jpegOf(t, signalstest.Scene(6, 64, 48), 70), fields: fields})
		if r.status != 201 || r.json(t)["meta"] != nil {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}

// TestBoilerplate: the same text filed by one author for three weeks is
// boilerplate on the third.
func TestBoilerplate(t *testing.T) {
	sw := newSignalWorld(t, newWorld(t))
	author := sw.addUser("13900000210", "v1", false, auth.RoleCadre)
	var kinds [][]string
	for range 3 {
		sw.cadre = sw.tokenFor(author) // a week on, a new session
		kinds = append(kinds, signalKinds(sw.submit(t, sw.cadre, map[string]any{"name": "周记", "what": what})))
		sw.now = sw.now.Add(7 * 24 * time.Hour)
	}
	if len(kinds[0]) != 0 || len(kinds[1]) != 0 || len(kinds[2]) != 1 || kinds[2][0] != "boilerplate" {
		t.Fatalf("signals over three weeks: %v", kinds)
	}
}

// TestBadImagesAreNoEvidence: a truncated JPEG, a PNG whose header claims 50
// megapixels (a decompression bomb: refused before decoding) and a 64 KB
// description are stored and filed without a crash (or a hang: the test's
// timeout), and raise
// nothing.
func TestBadImagesAreNoEvidence(t *testing.T) {
	sw := newSignalWorld(t, newWorld(t))
	whole := jpegOf(t, signalstest.Scene(7, 320, 240), 85)
	bomb := pngBytes(1)
	// IHDR width and height (bytes 16-23): 10000 × 5000 = 50 MP; the CRC no longer matches either.
	bomb[16], bomb[17], bomb[18], bomb[19] = 0, 0, 0x27, 0x10
	bomb[20], bomb[21], bomb[22], bomb[23] = 0, 0, 0x13, 0x88
	for name, file := range map[string][]byte{"truncated JPEG": whole[:len(whole)/2], "50-megapixel PNG": bomb} {
		id := sw.photo(t, sw.cadre, file)
		e := sw.submit(t, sw.cadre, map[string]any{"name": "走访", "what": strings.Repeat("长", 20_000), "photos": []string{id}})
		if kinds := signalKinds(e); len(kinds) != 0 {
			t.Errorf("%s: signals %v", name, kinds)
		}
		if r := sw.call("GET", "/api/v1/attachments/"+id+"?size=thumb", sw.cadre, nil); r.status != 200 || !bytes.Equal(r.body, file) {
			t.Errorf("%s: no thumbnail is made, the file itself is served: %d", name, r.status)
		}
	}
}

// TestAStoppedCheckStoresNothing: when the server stops during a check
// (its context ends), the check stops after the entry it is on and stores
// nothing, so every entry stays due for the next start.
func TestAStoppedCheckStoresNothing(t *testing.T) {
	sw := newSignalWorld(t, newWorld(t))
	for i := range 3 {
		r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", sw.cadre, map[string]any{"clientId": fmt.Sprintf("stopped-%02d", i),
			"submit": true, "data": map[string]any{"name": "走访", "what": fmt.Sprintf("%s（第%d户）", what, i)}})
		if r.status != 201 {
			t.Fatalf("file: %d %s", r.status, r.body)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	sw.entries.Signals.Index = stopAtFirstText{Index: sw.entries.Signals.Index, stop: stop}
	checked, err := sw.entries.CheckSignals(ctx, sw.units["city"].ID, 100)
	if checked != 0 || err != context.Canceled {
		t.Fatalf("checked %d, error %v: want none checked and the context's error", checked, err)
	}
	if due, _ := sw.st.entries.SignalsDue(context.Background(), auth.SystemScope("unit-city"), 10); len(due) != 3 {
		t.Fatalf("%d entries still due, want all 3", len(due))
	}
}

// stopAtFirstText ends the check's context as the first entry's text is looked up.
type stopAtFirstText struct {
	signals.Index
	stop context.CancelFunc
}

func (s stopAtFirstText) TextCandidates(ctx context.Context, scope auth.Scope, formID string, keys []int64, exclude string) ([]signals.TextHit, error) {
	s.stop()
	return s.Index.TextCandidates(ctx, scope, formID, keys, exclude)
}

// TestAFailingCheckHoldsUpNothing: an entry whose check fails (its form is
// gone) stays due and is reported, and the entries after it are checked.
func TestAFailingCheckHoldsUpNothing(t *testing.T) {
	sw := newSignalWorld(t, newWorld(t))
	path := []string{"unit-city", "unit-d1", "unit-t1", "unit-v1"}
	broken := entries.Entry{ID: "01a0000000000000000000b0", FormID: "no-such-form", FormVersion: 1, UnitID: "unit-v1", UnitPath: path,
		AuthorID: "user-13900000101", ClientID: "broken-000001", Status: "submitted", Data: []byte(`{"what":"x"}`),
		CreatedAt: sw.now, UpdatedAt: sw.now, SignalsDue: true}
	if err := sw.st.entries.Insert(context.Background(), auth.SystemScope("unit-city"), broken); err != nil {
		t.Fatal(err)
	}
	r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", sw.cadre, map[string]any{"clientId": "after-broken-01", "submit": true,
		"data": map[string]any{"name": "走访", "what": what}})
	if r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	checked, err := sw.entries.CheckSignals(context.Background(), sw.units["city"].ID, 100)
	if checked != 1 || err == nil || !strings.Contains(err.Error(), broken.ID) {
		t.Fatalf("checked %d, error %v: want the good entry checked and the broken one reported", checked, err)
	}
	if due, _ := sw.st.entries.SignalsDue(context.Background(), auth.SystemScope("unit-city"), 10); len(due) != 1 || due[0].ID != broken.ID {
		t.Fatalf("still due: %v", due)
	}
}
