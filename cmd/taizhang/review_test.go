package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"taizhang/workbook/workbooktest"
)

// The tests in this file replay, against the running program over HTTP, what an
// outside review of the server broke (issue 11). Each failed before its fix.

const bootstrapPhone, bootstrapPassword = "13800000001", "admin-pass-1"

// freshDeployment is the server as an operator first starts it: no demo city,
// only the bootstrap administrator.
func freshDeployment(t *testing.T, env map[string]string) (base, adminToken string) {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	env["TAIZHANG_ADMIN_PHONE"], env["TAIZHANG_ADMIN_PASSWORD"] = bootstrapPhone, bootstrapPassword
	base, _ = runningServer(t, env)
	return base, signIn(t, base, bootstrapPhone, bootstrapPassword, "")
}

// TestFreshDeploymentAdministratorCreatesItsPeople: the bootstrap administrator
// (admin and office) creates a unit, a cadre and a supervisor through the API and
// through an xlsx import, and each of them signs in and works in their unit.
func TestFreshDeploymentAdministratorCreatesItsPeople(t *testing.T) {
	base, admin := freshDeployment(t, nil)
	var units []struct{ ID, Name string }
	call(t, "GET", base+"/api/v1/units", admin, nil).json(t, &units)
	if len(units) != 1 {
		t.Fatalf("a fresh store has one unit, got %+v", units)
	}
	var district struct{ ID string }
	r := call(t, "POST", base+"/api/v1/units", admin, map[string]any{"name": "东城区", "parentId": units[0].ID, "kind": "district"})
	if r.status != 201 {
		t.Fatalf("create unit: %d %s", r.status, r.body)
	}
	r.json(t, &district)
	for phone, role := range map[string]string{"13900000001": "cadre", "13900000002": "supervisor"} {
		r := call(t, "POST", base+"/api/v1/users", admin, map[string]any{"phone": phone, "name": "新用户" + phone[9:],
			"unitId": district.ID, "roles": []string{role}, "password": "first-pass-1"})
		if r.status != 201 {
			t.Fatalf("create %s: %d %s", role, r.status, r.body)
		}
	}
	file := workbookOf(t, map[string][][]string{
		"单位": {{"单位名称", "上级单位", "单位类型", "编码", "排序"}, {"城关镇", "东城区", "乡镇街道", "", "1"}},
		"用户": {{"姓名", "手机号", "所属单位", "角色", "初始密码"},
			{"张干部", "13900000003", "东城区/城关镇", "干部", "first-pass-1"},
			{"李审核", "13900000004", "东城区", "审核人", "first-pass-1"}},
	})
	if r := upload(t, base+"/api/v1/imports/units-users", admin, "people.xlsx", file); r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	for phone, want := range map[string]int{"13900000001": 2, "13900000002": 2, "13900000003": 1, "13900000004": 2} {
		token := signIn(t, base, phone, "first-pass-1", "second-pass-2")
		var seen []struct{ Name string }
		call(t, "GET", base+"/api/v1/units", token, nil).json(t, &seen)
		if len(seen) != want {
			t.Errorf("%s sees %+v, want %d units of their subtree", phone, seen, want)
		}
	}
}

// workbookOf writes sheets (first row the header) into an xlsx file.
func workbookOf(t *testing.T, sheets map[string][][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for name, rows := range sheets {
		if first {
			_ = f.SetSheetName("Sheet1", name)
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			values := make([]any, len(row))
			for j, v := range row {
				values[j] = v
			}
			if err := f.SetSheetRow(name, cell, &values); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportRefusesAZipBombBeforeReadingIt: a 1 MB workbook holding 1 GiB of
// spaces took 99 s, 2.15 GB of memory and a 1 GB temporary file before its
// 400. It is refused from the zip's directory, before anything is inflated.
func TestImportRefusesAZipBombBeforeReadingIt(t *testing.T) {
	base, admin := freshDeployment(t, nil)
	bomb := workbooktest.Bomb("单位", 1<<30)
	if len(bomb) > 2<<20 {
		t.Fatalf("the bomb is %d bytes, want about 1 MB", len(bomb))
	}
	r := upload(t, base+"/api/v1/imports/units-users?dryRun=true", admin, "bomb.xlsx", bomb)
	if r.status != 413 || !bytes.Contains(r.body, []byte("sheet1.xml")) {
		t.Fatalf("a zip bomb: %d %s", r.status, r.body)
	}
}

// TestParallelGuessesAgainstTheServer: 20 parallel wrong logins on one phone
// all used to be checked (limit 5). Against the real server, with its real
// password cost, exactly 5 are.
func TestParallelGuessesAgainstTheServer(t *testing.T) {
	base, _ := freshDeployment(t, nil)
	statuses := make(chan int, 20)
	body := `{"phone":"` + bootstrapPhone + `","password":"guess"}`
	for range 20 {
		go func() {
			resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	got := map[int]int{}
	for range 20 {
		got[<-statuses]++
	}
	if got[401] != 5 || got[429] != 15 {
		t.Fatalf("20 parallel guesses: %v, want 5 checked and 15 refused", got)
	}
}
