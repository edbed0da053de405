package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/forms"
)

// ledgerV1 is a 办实事-like form with a field of every kind an export types;
// ledgerV2 drops the place and adds a rating.
var ledgerV1 = forms.Form{Key: "ledger", Title: "办实事台账", Category: forms.CategoryShishi, Workflow: "none",
	Fields: []forms.Field{
		{Key: "title", Type: "text", Label: "事项名称", Required: true},
		{Key: "amount", Type: "money", Label: "投入资金"},
		{Key: "people", Type: "integer", Label: "受益人数"},
		{Key: "day", Type: "date", Label: "办结日期"},
		{Key: "at", Type: "datetime", Label: "走访时间"},
		{Key: "kinds", Type: "multiselect", Label: "类别", Options: []forms.Option{{Value: "edu", Label: "教育"}, {Value: "med", Label: "医疗"}}},
		{Key: "place", Type: "geopoint", Label: "地点"},
		{Key: "idno", Type: "idcard", Label: "群众身份证号"},
		{Key: "tel", Type: "phone", Label: "群众电话"},
		{Key: "steps", Type: "group", Label: "办理步骤", Fields: []forms.Field{
			{Key: "what", Type: "text", Label: "做了什么"}, {Key: "when", Type: "date", Label: "日期"}}},
	}}

func ledgerV2() forms.Form {
	f := ledgerV1
	f.Fields = slices.DeleteFunc(slices.Clone(f.Fields), func(x forms.Field) bool { return x.Key == "place" })
	f.Fields = append(f.Fields, forms.Field{Key: "rating", Type: "radio", Label: "群众评价",
		Options: []forms.Option{{Value: "good", Label: "满意"}, {Value: "bad", Label: "不满意"}}})
	return f
}

const idNumber = "11010519491231002X"

func ledgerData(title string, v2 bool) map[string]any {
	d := map[string]any{"title": title, "amount": 1234.5, "people": 12, "day": "2026-11-20", "at": "2026-11-20T09:30:00+08:00",
		"kinds": []any{"edu", "med"}, "idno": idNumber, "tel": "13912345678",
		"steps": []any{map[string]any{"what": "走访", "when": "2026-11-18"}, map[string]any{"what": "=HYPERLINK(\"http://x\")", "when": "2026-11-19"}}}
	if v2 {
		d["rating"] = "good"
	} else {
		d["place"] = map[string]any{"lat": 39.9, "lng": 116.4}
	}
	return d
}

// exportWorld has the ledger form with two published versions, entries of
// both filed by a village cadre, and the people who export them.
type exportWorld struct {
	*world
	formID                    string
	office, admin, cadre, sup string
	other                     string // a cadre of another district
}

func newExportWorld(t *testing.T, w *world) exportWorld {
	ew := exportWorld{world: w, formID: w.publishForm(t, ledgerV1)}
	cadre := w.addUser("13900000301", "v1", false, auth.RoleCadre)
	ew.cadre, ew.office = w.tokenFor(cadre), w.tokenFor(w.addUser("13900000302", "city", false, auth.RoleOffice))
	ew.admin = w.tokenFor(w.addUser("13900000303", "city", false, auth.RoleAdmin))
	ew.sup = w.tokenFor(w.addUser("13900000304", "d1", false, auth.RoleSupervisor))
	ew.other = w.tokenFor(w.addUser("13900000305", "d2", false, auth.RoleCadre))
	ew.file(t, ew.cadre, "修路灯", false)
	ew.file(t, ew.cadre, "=1+2", false) // a title a spreadsheet would run
	v2 := ledgerV2()
	if r := w.call("PUT", "/api/v1/forms/"+ew.formID+"/draft", ew.admin, v2); r.status != 200 {
		t.Fatalf("draft v2: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/forms/"+ew.formID+"/publish", ew.admin, nil); r.status != 200 {
		t.Fatalf("publish v2: %d %s", r.status, r.body)
	}
	ew.file(t, ew.cadre, "送医上门", true)
	ew.file(t, ew.other, "别区的事", true)
	ew.now = ew.now.Add(time.Minute) // exports read what was filed before they began
	return ew
}

func (ew exportWorld) file(t *testing.T, token, title string, v2 bool) {
	t.Helper()
	ew.now = ew.now.Add(time.Minute)
	r := ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", token, map[string]any{
		"clientId": fmt.Sprintf("export-%06d", ew.next()), "submit": true, "data": ledgerData(title, v2)})
	if r.status != 201 {
		t.Fatalf("file %s: %d %s", title, r.status, r.body)
	}
}

func openBook(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v (%.200s)", err, body)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func rowsOf(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column finds a header's column letter on a sheet's first row.
func column(t *testing.T, header []string, label string) string {
	t.Helper()
	i := slices.Index(header, label)
	if i < 0 {
		t.Fatalf("no column %q in %v", label, header)
	}
	name, _ := excelize.ColumnNumberToName(i + 1)
	return name
}

// rowOf finds the row (1-based) whose 事项名称 is title.
func rowOf(t *testing.T, rows [][]string, title string) int {
	t.Helper()
	at := slices.Index(rows[0], "事项名称")
	for i, r := range rows {
		if at < len(r) && r[at] == title {
			return i + 1
		}
	}
	t.Fatalf("no row %q", title)
	return 0
}

func TestExportEntriesAcrossVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(t *testing.T) *world) {
		ew := newExportWorld(t, open(t))
		r := ew.call("GET", "/api/v1/forms/"+ew.formID+"/export.xlsx", ew.office, nil)
		if r.status != 200 || r.header.Get("Content-Type") != contentTypes["xlsx"] || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v %.300s", r.status, r.header, r.body)
		}
		f := openBook(t, r.body)
		if got := f.GetSheetList(); !slices.Equal(got, []string{"办实事台账", "办理步骤", "说明"}) {
			t.Fatalf("sheets: %v", got)
		}
		rows := rowsOf(t, f, "办实事台账")
		if len(rows) != 1+4 {
			t.Fatalf("rows: %d, want a header and 4 entries", len(rows))
		}
		header := rows[0]
		// Fixed columns first, then the latest version's fields, then the older ones.
		want := []string{"编号", "单位", "填报人", "状态", "周期", "截止时间", "提交时间", "最后操作", "是否逾期", "疑点", "版本", "事项名称", "投入资金"}
		if !slices.Equal(header[:len(want)], want) || slices.Index(header, "群众评价") > slices.Index(header, "地点") || slices.Index(header, "地点") < 0 {
			t.Fatalf("header: %v", header)
		}
		sheet := "办实事台账"
		old, latest := rowOf(t, rows, "修路灯"), rowOf(t, rows, "送医上门")
		cell := func(label string, row int) string {
			v, _ := f.GetCellValue(sheet, fmt.Sprintf("%s%d", column(t, header, label), row))
			return v
		}
		typeOf := func(label string, row int) excelize.CellType {
			ty, _ := f.GetCellType(sheet, fmt.Sprintf("%s%d", column(t, header, label), row))
			return ty
		}
		if cell("版本", old) != "1" || cell("版本", latest) != "2" || cell("地点", old) != "39.9,116.4" || cell("地点", latest) != "" ||
			cell("群众评价", latest) != "满意" || cell("群众评价", old) != "" {
			t.Fatalf("merged columns: v1 %q %q, v2 %q %q", cell("版本", old), cell("地点", old), cell("版本", latest), cell("群众评价", latest))
		}
		if typeOf("投入资金", old) != excelize.CellTypeNumber && typeOf("投入资金", old) != excelize.CellTypeUnset || cell("投入资金", old) != "1,234.50" ||
			cell("受益人数", old) != "12" || cell("办结日期", old) != "2026-11-20" || cell("走访时间", old) != "2026-11-20 09:30" {
			t.Fatalf("typed cells: %q %q %q %q", cell("投入资金", old), cell("受益人数", old), cell("办结日期", old), cell("走访时间", old))
		}
		raw, _ := f.GetCellValue(sheet, fmt.Sprintf("%s%d", column(t, header, "投入资金"), old), excelize.Options{RawCellValue: true})
		if raw != "1234.5" {
			t.Fatalf("money stored as %q, want the number 1234.5", raw)
		}
		if cell("类别", old) != "教育、医疗" || cell("群众身份证号", old) != "110***********002X" || cell("群众电话", old) != "139****5678" ||
			cell("单位", old) != "单位city/单位d1/单位t1/单位v1" || cell("状态", old) != "已报送" || cell("办理步骤（数量）", old) != "2" {
			t.Fatalf("values: %q %q %q %q %q", cell("类别", old), cell("群众身份证号", old), cell("群众电话", old), cell("单位", old), cell("状态", old))
		}
		if !strings.HasSuffix(cell("链接", old), "/entries/"+cell("编号", old)) {
			t.Fatalf("link: %q", cell("链接", old))
		}
		// Formulas stay text.
		evil := rowOf(t, rows, "=1+2")
		ref := fmt.Sprintf("%s%d", column(t, header, "事项名称"), evil)
		if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
			t.Fatalf("a formula was written: %q", formula)
		}
		if v, _ := f.GetCellValue(sheet, ref); v != "=1+2" {
			t.Fatalf("the text was changed: %q", v)
		}
		if id, _ := f.GetCellStyle(sheet, ref); id == 0 {
			t.Fatal("formula-like text has no text style")
		} else if style, _ := f.GetStyle(id); style.NumFmt != 49 {
			t.Fatalf("formula-like text is in format %d, want 49 (@, text)", style.NumFmt)
		}
		steps := rowsOf(t, f, "办理步骤")
		if len(steps) != 1+8 || !slices.Equal(steps[0], []string{"编号", "序号", "做了什么", "日期"}) {
			t.Fatalf("group sheet: %v", steps)
		}
		for i, row := range steps[1:] {
			ref := fmt.Sprintf("C%d", i+2)
			if formula, _ := f.GetCellFormula("办理步骤", ref); formula != "" || !strings.Contains("走访 =HYPERLINK(\"http://x\")", row[2]) {
				t.Fatalf("group row %v formula %q", row, formula)
			}
		}
		legend := rowsOf(t, f, "说明")
		if len(legend) < 3 || !strings.Contains(legend[1][0], "第 2 版") || !strings.Contains(legend[1][3], "地点") || !strings.Contains(legend[2][3], "群众评价") {
			t.Fatalf("legend: %v", legend)
		}
	})
}

func TestExportCSV(t *testing.T) {
	ew := newExportWorld(t, newWorld(t))
	r := ew.call("GET", "/api/v1/forms/"+ew.formID+"/export.csv?q="+"%3D1", ew.office, nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.body, []byte("\uFEFF编号,单位")) {
		t.Fatalf("csv: %d %v %.200s", r.status, r.header, r.body)
	}
	lines := strings.Split(strings.TrimSuffix(string(r.body), "\r\n"), "\r\n")
	if len(lines) != 2 || !strings.Contains(lines[1], ",'=1+2,") || !strings.Contains(lines[1], "110***********002X") ||
		!strings.Contains(lines[1], "1234.50") || !strings.Contains(lines[1], "\"39.9,116.4\"") {
		t.Fatalf("csv rows (want the one entry matching q, neutralised, masked, quoted): %q", lines)
	}
}

func TestUnmaskedExportIsForTheOfficeAndAudited(t *testing.T) {
	ew := newExportWorld(t, newWorld(t))
	base := "/api/v1/forms/" + ew.formID + "/export.csv?mask=false"
	if r := ew.call("GET", base+"&reason=x", ew.sup, nil); r.status != 403 {
		t.Fatalf("supervisor unmasked: %d", r.status)
	}
	if r := ew.call("GET", base, ew.office, nil); r.status != 422 || !strings.Contains(string(r.body), `"reason"`) {
		t.Fatalf("no reason: %d %s", r.status, r.body)
	}
	r := ew.call("GET", base+"&reason="+"%E6%A0%B8%E5%AF%B9%E5%8F%B0%E8%B4%A6", ew.office, nil) // 核对台账
	if r.status != 200 || !strings.Contains(string(r.body), idNumber) || !strings.Contains(string(r.body), "13912345678") {
		t.Fatalf("unmasked: %d %.300s", r.status, r.body)
	}
	records, err := ew.st.audit.List(context.Background(), auth.ScopeForTest(t, ew.units["city"].ID, "x", auth.RoleOffice), audit.Query{Action: "export.entries", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range records {
		if rec.Action == "export.entries" && rec.Detail["reason"] == "核对台账" && rec.Detail["masked"] == false && fmt.Sprint(rec.Detail["rows"]) == "4" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no audit record of the unmasked export with its reason and rows: %+v", records)
	}
}

func TestExportBadInput(t *testing.T) {
	ew := newExportWorld(t, newWorld(t))
	url := "/api/v1/forms/" + ew.formID + "/export"
	if r := ew.call("GET", url+".pdf", ew.office, nil); r.status != 422 {
		t.Fatalf("unknown format: %d", r.status)
	}
	if r := ew.call("POST", "/api/v1/exports", ew.office, map[string]any{"kind": "entries", "formId": ew.formID, "format": "pdf"}); r.status != 422 {
		t.Fatalf("job of unknown format: %d", r.status)
	}
	if r := ew.call("GET", url+".xlsx?unitId="+ew.units["d2"].ID, ew.sup, nil); r.status != 404 {
		t.Fatalf("a unit outside scope: %d", r.status)
	}
	// A cadre exports their own entries only, whatever they ask.
	r := ew.call("GET", url+".csv?unitId="+ew.units["city"].ID, ew.other, nil)
	if r.status != 404 {
		t.Fatalf("cadre asking above their unit: %d", r.status)
	}
	r = ew.call("GET", url+".csv", ew.other, nil)
	if lines := strings.Split(strings.TrimSpace(string(r.body)), "\r\n"); r.status != 200 || len(lines) != 2 || !strings.Contains(lines[1], "别区的事") {
		t.Fatalf("cadre's export: %d %q", r.status, lines)
	}
	// No entries: a workbook with the header only.
	r = ew.call("GET", url+".xlsx?status=rejected", ew.office, nil)
	if r.status != 200 {
		t.Fatalf("empty export: %d %s", r.status, r.body)
	}
	if rows := rowsOf(t, openBook(t, r.body), "办实事台账"); len(rows) != 1 || rows[0][0] != "编号" {
		t.Fatalf("empty export rows: %v", rows)
	}
	// Beyond the direct limit: 413 naming it and the jobs API; never a short file.
	ew.exports.Service.DirectLimit, ew.exports.Service.JobLimit = 2, 3
	r = ew.call("GET", url+".xlsx", ew.office, nil)
	if r.status != 413 || !strings.Contains(string(r.body), `"limit":2`) || !strings.Contains(string(r.body), "/api/v1/exports") {
		t.Fatalf("over the direct limit: %d %s", r.status, r.body)
	}
	r = ew.call("POST", "/api/v1/exports", ew.office, map[string]any{"kind": "entries", "formId": ew.formID, "format": "xlsx"})
	if r.status != 413 || !strings.Contains(string(r.body), `"limit":3`) {
		t.Fatalf("over the job limit: %d %s", r.status, r.body)
	}
}

// waitJob polls a job until it ends.
func (ew exportWorld) waitJob(t *testing.T, token, id string) map[string]any {
	t.Helper()
	for range 600 {
		r := ew.call("GET", "/api/v1/exports/"+id, token, nil)
		if r.status != 200 {
			t.Fatalf("job: %d %s", r.status, r.body)
		}
		if job := r.json(t); job["status"] == "done" || job["status"] == "failed" {
			return job
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the job did not finish")
	return nil
}

func TestExportJobs(t *testing.T) {
	ew := newExportWorld(t, newWorld(t))
	ew.exports.Service.DirectLimit = 2 // too many to download directly: a job
	r := ew.call("POST", "/api/v1/exports", ew.office, map[string]any{"kind": "entries", "formId": ew.formID, "format": "xlsx",
		"filters": map[string]any{"unitId": ew.units["d1"].ID}})
	if r.status != 202 || str(r.json(t), "id") == "" {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	id := str(r.json(t), "id")
	if r := ew.call("GET", "/api/v1/exports/"+id, ew.sup, nil); r.status != 404 {
		t.Fatalf("someone else's job: %d", r.status)
	}
	job := ew.waitJob(t, ew.office, id)
	if job["status"] != "done" || job["rows"] != float64(3) || job["total"] != float64(3) || job["progress"] != float64(1) {
		t.Fatalf("job: %v", job)
	}
	if r := ew.call("GET", "/api/v1/exports/"+id+"/file", ew.sup, nil); r.status != 404 {
		t.Fatalf("someone else's file: %d", r.status)
	}
	r = ew.call("GET", "/api/v1/exports/"+id+"/file", ew.office, nil)
	if rows := rowsOf(t, openBook(t, r.body), "办实事台账"); r.status != 200 || len(rows) != 1+3 {
		t.Fatalf("file: %d, %d rows", r.status, len(rows))
	}
	if r := ew.call("GET", "/api/v1/exports", ew.office, nil); len(r.json(t)["items"].([]any)) != 1 {
		t.Fatalf("my jobs: %s", r.body)
	}
}

// TestBriefingWorkbook: after a round's due time the office downloads the
// 通报: four sheets, titled and set up for A4 landscape, the matrix coloured
// by status, the late and missing units with their filers.
func TestBriefingWorkbook(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	lw.fileWeekly("v1", "")
	lw.now = beijing(12, 11, 13) // W50's due time has passed
	if r := lw.fileWeekly("v2", "2026-W50"); r.status != 201 {
		t.Fatalf("late filing: %d %s", r.status, r.body)
	}
	url := "/api/v1/reports/briefing.xlsx?formId=" + lw.formID + "&period=2026-W50&unitId=unit-t1"
	r := lw.call("GET", url, lw.token("townSup"), nil)
	if r.status != 200 || r.header.Get("Content-Type") != contentTypes["xlsx"] {
		t.Fatalf("briefing: %d %s", r.status, r.body)
	}
	f := openBook(t, r.body)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"报送情况", "逾期和未报单位", "逾期整改事项", "分类统计"}) {
		t.Fatalf("sheets: %v", got)
	}
	for _, sheet := range f.GetSheetList() {
		title, _ := f.GetCellValue(sheet, "A1")
		layout, _ := f.GetPageLayout(sheet)
		if !strings.Contains(title, "2026年第50周") || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 {
			t.Fatalf("%s: title %q, layout %+v", sheet, title, layout)
		}
	}
	names, _ := f.GetDefinedName(), 0
	if len(names) != 4 || names[0].Name != "_xlnm.Print_Titles" {
		t.Fatalf("print titles: %+v", names)
	}
	matrix := rowsOf(t, f, "报送情况")
	if matrix[2][0] != "单位" || matrix[2][len(matrix[2])-1] != "按时率" || !strings.Contains(strings.Join(matrix[2], ","), "2026年第50周") {
		t.Fatalf("matrix header: %v", matrix[2])
	}
	colours := map[string]string{}
	last := slices.Index(matrix[2], "2026年第50周")
	if last != len(matrix[2])-2 {
		t.Fatalf("the round after W50 is shown: %v", matrix[2])
	}
	for i, row := range matrix[3:] {
		if len(row) <= last || !strings.HasPrefix(row[0], "单位v") {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(last+1, i+4)
		style, _ := f.GetCellStyle("报送情况", ref)
		s, _ := f.GetStyle(style)
		if len(s.Fill.Color) > 0 {
			colours[row[last]] = s.Fill.Color[0]
		}
	}
	if colours["按时"] != "C6EFCE" || colours["逾期补报"] != "FFEB9C" || colours["未报"] != "FFC7CE" {
		t.Fatalf("cell colours by status: %v\n%v", colours, matrix)
	}
	owing := strings.Join(slices.Concat(rowsOf(t, f, "逾期和未报单位")...), "|")
	if !strings.Contains(owing, "未报") || !strings.Contains(owing, "逾期补报") || !strings.Contains(owing, "13900000102") {
		t.Fatalf("late and missing units with their filers: %s", owing)
	}
	if r := lw.call("GET", strings.Replace(url, "2026-W50", "next", 1), lw.token("townSup"), nil); r.status != 422 {
		t.Fatalf("a bad period: %d", r.status)
	}
	if r := lw.call("GET", strings.Replace(url, "unit-t1", "unit-d2", 1), lw.token("townSup"), nil); r.status != 404 {
		t.Fatalf("a unit outside scope: %d", r.status)
	}
}
