package api

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"taizhang/auth"
	"taizhang/orgimport"
)

// workbook builds an import file; nil rows leave a sheet with its header only.
func workbook(t testing.TB, unitHeader []string, units, users [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", orgimport.UnitSheet)
	_, _ = f.NewSheet(orgimport.UserSheet)
	write := func(sheet string, rows [][]string) {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, cells); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write(orgimport.UnitSheet, append([][]string{unitHeader}, units...))
	write(orgimport.UserSheet, append([][]string{{"姓名", "手机号", "所属单位", "角色", "初始密码"}}, users...))
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var unitHeader = []string{"单位名称", "上级单位", "单位类型", "编码", "排序"}

func TestImportTemplate(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin))
	got := w.call("GET", "/api/v1/imports/units-users/template", admin, nil)
	if got.status != 200 || !strings.Contains(got.header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(got.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("template: %d %v", got.status, got.header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(got.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(orgimport.UserSheet)
	if len(rows) < 2 || strings.Join(rows[0], ",") != "姓名,手机号,所属单位,角色,初始密码" {
		t.Fatalf("user sheet: %v", rows)
	}
	if sheets := f.GetSheetList(); len(sheets) != 3 {
		t.Fatalf("sheets: %v", sheets)
	}
}

func TestImportCreatesUnitsAndUsers(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin, auth.RoleCadre, auth.RoleSupervisor))
	file := workbook(t, unitHeader,
		[][]string{{"新镇", "单位d1", "乡镇街道", "X-1", "2"}, {"新村", "单位d1/新镇", "村", "", ""}},
		[][]string{{"王五", "+86 139-1111-2222", "新村", "干部、审核人", "first-pass-1"}})
	dry := w.call("POST", "/api/v1/imports/units-users?dryRun=true", admin, upload{file: file})
	if dry.status != 200 || dry.json(t)["units"] != float64(2) || dry.json(t)["users"] != float64(1) {
		t.Fatalf("dry run: %d %s", dry.status, dry.body)
	}
	if strings.Contains(string(w.call("GET", "/api/v1/units", admin, nil).body), "新村") {
		t.Fatal("a dry run wrote data")
	}
	done := w.call("POST", "/api/v1/imports/units-users", admin, upload{file: file})
	if done.status != 201 {
		t.Fatalf("import: %d %s", done.status, done.body)
	}
	units := string(w.call("GET", "/api/v1/units", admin, nil).body)
	if !strings.Contains(units, "新镇") || !strings.Contains(units, "新村") {
		t.Fatalf("imported units missing: %s", units)
	}
	login := w.login("13911112222", "first-pass-1")
	if login.status != 200 || login.json(t)["user"].(map[string]any)["mustChangePassword"] != true {
		t.Fatalf("imported user login: %d %s", login.status, login.body)
	}
	again := w.call("POST", "/api/v1/imports/units-users", admin, upload{file: file})
	if again.status != 400 || !strings.Contains(string(again.body), "已注册") || !strings.Contains(string(again.body), "已有单位") {
		t.Fatalf("importing twice must be refused row by row: %d %s", again.status, again.body)
	}
}

// TestBadImportWritesNothing: one workbook with many kinds of bad rows and some
// good ones; the report names every bad cell and nothing is written.
func TestBadImportWritesNothing(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin, auth.RoleCadre))
	w.addUnit("d1", "t1", "dup") // two units called 单位dup make the name ambiguous
	w.addUnit("d2", "dup")
	before := string(w.call("GET", "/api/v1/units", admin, nil).body)
	file := workbook(t, unitHeader,
		[][]string{
			{"好的镇", "单位d1", "乡镇街道", "", ""},  // row 2: fine
			{"坏镇", "不存在的单位", "乡镇街道", "", ""}, // row 3: unknown parent
			{"星球", "单位d1", "星球", "", ""},     // row 4: bad kind
			{"歧义村", "单位dup", "村", "", ""},    // row 5: ambiguous parent
			{"😀村", "单位d1", "村", "", "x"},     // row 6: emoji name, bad sort
		},
		[][]string{
			{"张三", "13900000001", "好的镇", "干部", "pass-word-1"},  // row 2: fine (new unit)
			{"李四", "13900000001", "单位t1", "干部", "pass-word-1"}, // row 3: phone repeats row 2
			{"王五", "1390000000", "单位t1", "干部", "pass-word-1"},  // row 4: 10 digits
			{"赵六", "13900000004", "单位t1", "皇帝", "pass-word-1"}, // row 5: no such role
			{"孙七", "13900000005", "火星", "干部", "pass-word-1"},   // row 6: unknown unit
			{"周八", "13900000006", "单位t1", "干部", "12345678"},    // row 7: all digits
		})
	got := w.call("POST", "/api/v1/imports/units-users", admin, upload{file: file})
	if got.status != 400 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	for _, field := range []string{"units[3].parent", "units[4].kind", "units[5].parent", "units[6].name", "units[6].sortOrder",
		"users[3].phone", "users[4].phone", "users[5].roles", "users[6].unit", "users[7].password"} {
		if !strings.Contains(string(got.body), `"field":"`+field+`"`) {
			t.Errorf("the report lacks %s: %s", field, got.body)
		}
	}
	for _, good := range []string{"units[2]", "users[2]"} {
		if strings.Contains(string(got.body), `"field":"`+good) {
			t.Errorf("a good row is reported: %s", good)
		}
	}
	if after := string(w.call("GET", "/api/v1/units", admin, nil).body); after != before {
		t.Fatal("a failed import wrote units")
	}
	if login := w.login("13900000001", "pass-word-1"); login.status != 401 {
		t.Fatal("a failed import wrote users")
	}
}

func TestImportRejectsWrongFiles(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.RoleAdmin, auth.RoleCadre))
	big := make([][]string, 50_000)
	for i := range big {
		big[i] = []string{"用户", fmt.Sprintf("139%08d", i), "单位t1", "干部", "pass-word-1"}
	}
	for _, sc := range []struct {
		name     string
		body     any
		status   int
		contains string
	}{
		{"not a workbook", upload{file: []byte("PK but not really")}, 400, "xlsx"},
		{"wrong headers", upload{file: workbook(t, []string{"名称", "上级"}, nil, nil)}, 400, "wrong_headers"},
		{"50,000 rows", upload{file: workbook(t, unitHeader, nil, big)}, 413, "每次最多导入 10000 行"},
		{"no file", map[string]string{}, 400, `"field":"file"`},
	} {
		got := w.call("POST", "/api/v1/imports/units-users", admin, sc.body)
		if got.status != sc.status || !strings.Contains(string(got.body), sc.contains) {
			t.Errorf("%s: %d %.300s", sc.name, got.status, got.body)
		}
	}
}
