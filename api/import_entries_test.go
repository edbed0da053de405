package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/auth"
	"taizhang/workbook/workbooktest"
)

// ledgerSheet writes an Excel ledger as offices keep them: a header row and
// rows of cells, typed as Excel types them (dates as dates, numbers as numbers).
func ledgerSheet(t testing.TB, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", ref, &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var ledgerHeader = []any{"单位", "填报人", "事项名称*", "投入资金", "受益人数", "办结日期", "走访时间", "类别", "群众身份证号", "群众电话", "群众评价", "备注"}

func goodRow(unit, who, title string) []any {
	return []any{unit, who, title, 1500.5, 30, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), "2026-11-20 09:30", "教育、医疗",
		idNumber, "13912345678", "满意", "备注不导入"}
}

type importWorld struct {
	*world
	formID, office, cadre string
	cadreUser             string
}

func newImportWorld(t *testing.T, w *world) importWorld {
	iw := importWorld{world: w, formID: w.publishForm(t, ledgerV2())}
	cadre := w.addUser("13900000401", "v1", false, auth.RoleCadre)
	iw.cadre, iw.cadreUser = w.tokenFor(cadre), cadre.ID
	iw.office = w.tokenFor(w.addUser("13900000402", "city", false, auth.RoleOffice))
	return iw
}

func (iw importWorld) importFile(file []byte, dryRun bool, mapping map[string]string) reply {
	fields := map[string]string{}
	if mapping != nil {
		raw, _ := json.Marshal(mapping)
		fields["mapping"] = string(raw)
	}
	return iw.call("POST", fmt.Sprintf("/api/v1/forms/%s/imports?dryRun=%v", iw.formID, dryRun), iw.office, upload{file: file, fields: fields})
}

func (iw importWorld) count(t *testing.T) int {
	t.Helper()
	r := iw.call("GET", "/api/v1/entries?count=true&limit=1&formId="+iw.formID, iw.office, nil)
	return int(r.json(t)["total"].(float64))
}

func TestImportLedgerFromExcel(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(t *testing.T) *world) {
		iw := newImportWorld(t, open(t))
		bad := ledgerSheet(t, ledgerHeader,
			goodRow("单位v1", "13900000401", "修桥"),
			[]any{"不存在村", "13900000401", "", "abc", 3, "2026-13-45", "", "体育", "123", "", "", ""},
		)
		r := iw.importFile(bad, true, nil)
		if r.status != 200 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		res := r.json(t)
		report := string(r.body)
		for _, want := range []string{`"valid":false`, `"rows":2`, "第 3 行“单位”：找不到单位“不存在村”", "第 3 行“投入资金”：应为数字",
			"第 3 行“办结日期”：应为日期", "第 3 行“类别”：“体育”不是可选项，应为：教育、医疗", "第 3 行“事项名称*”"} {
			if !strings.Contains(report, want) {
				t.Errorf("the report lacks %q", want)
			}
		}
		for _, p := range res["problems"].([]any) {
			if p.(map[string]any)["row"] != float64(3) {
				t.Errorf("a problem outside row 3: %v", p)
			}
		}
		if t.Failed() {
			t.Fatalf("report: %s", report)
		}
		if r := iw.importFile(bad, false, nil); r.status != 422 || !strings.Contains(string(r.body), "rows[3].") || iw.count(t) != 0 {
			t.Fatalf("a real import of a bad file: %d %s, %d entries", r.status, r.body, iw.count(t))
		}

		good := ledgerSheet(t, ledgerHeader, goodRow("单位v1", "13900000401", "修桥"), goodRow("单位t1", "", "=SUM(A1)"),
			goodRow("单位d1/单位t1/单位v1", "13900000401", "送医"))
		r = iw.importFile(good, true, nil)
		if r.status != 200 || r.json(t)["valid"] != true || iw.count(t) != 0 {
			t.Fatalf("dry run of a good file: %d %s", r.status, r.body)
		}
		cols := r.json(t)["columns"].([]any)
		if cols[0].(map[string]any)["field"] != "@unit" || cols[2].(map[string]any)["field"] != "title" || cols[11].(map[string]any)["field"] != "" {
			t.Fatalf("columns: %v", cols)
		}
		r = iw.importFile(good, false, nil)
		if r.status != 201 || r.json(t)["created"] != float64(3) || iw.count(t) != 3 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		list := iw.call("GET", "/api/v1/entries?formId="+iw.formID, iw.office, nil).json(t)["items"].([]any)
		authors := map[string]int{}
		for _, x := range list {
			e := x.(map[string]any)
			authors[str(e, "authorId")]++
			d := e["data"].(map[string]any)
			if e["status"] != "filed" || d["day"] != "2026-11-20" || d["at"] != "2026-11-20T09:30:00+08:00" || d["amount"] != 1500.5 ||
				fmt.Sprint(d["kinds"]) != "[edu med]" || d["rating"] != "good" {
				t.Fatalf("imported entry: %v", e)
			}
		}
		if authors[iw.cadreUser] != 2 || len(authors) != 2 {
			t.Fatalf("filers: %v (the row without one is the importer's)", authors)
		}
		if r := iw.importFile(good, false, nil); r.status != 201 || r.json(t)["created"] != float64(0) || r.json(t)["skipped"] != float64(3) || iw.count(t) != 3 {
			t.Fatalf("the same file again: %d %s", r.status, r.body)
		}
		sum := iw.call("GET", "/api/v1/reports/summary?formId="+iw.formID+"&from=2026-01-01", iw.office, nil).json(t)
		if sum["total"] != float64(3) {
			t.Fatalf("imported entries are counted: %v", sum)
		}
	})
}

func TestImportMappingAndRefusals(t *testing.T) {
	iw := newImportWorld(t, newWorld(t))
	file := ledgerSheet(t, []any{"事项", "单位"}, []any{"修路", "单位v1"})
	if r := iw.importFile(file, true, nil); r.json(t)["valid"] != false || !strings.Contains(string(r.body), "缺少必填栏目“事项名称”的列") {
		t.Fatalf("unmatched header: %s", r.body)
	}
	if r := iw.importFile(file, true, map[string]string{"事项": "title"}); r.json(t)["valid"] != true {
		t.Fatalf("mapped header: %s", r.body)
	}
	if r := iw.importFile(file, true, map[string]string{"事项": "nope"}); !strings.Contains(string(r.body), "unknown_field") {
		t.Fatalf("a mapping to no field: %s", r.body)
	}
	if r := iw.call("POST", "/api/v1/forms/"+iw.formID+"/imports?dryRun=true", iw.cadre, upload{file: file}); r.status != 403 {
		t.Fatalf("a cadre imports: %d", r.status)
	}
	if r := iw.importFile(workbooktest.Bomb("Sheet1", 1<<30), true, nil); r.status != 413 {
		t.Fatalf("a zip bomb: %d %s", r.status, r.body)
	}
	if r := iw.importFile([]byte("not a workbook"), true, nil); r.status != 400 {
		t.Fatalf("not a workbook: %d", r.status)
	}
	if r := iw.importFile(ledgerSheet(t, ledgerHeader), true, nil); r.status != 400 || !strings.Contains(string(r.body), "没有数据") {
		t.Fatalf("headers only: %d %s", r.status, r.body)
	}
}
