package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/config"
	"taizhang/demo"
)

// TestDemoLoginsSeeExactlyTheirScope starts the real program with TAIZHANG_DEMO=1,
// checks the logins are printed, and signs in as every demo account: each sees
// its own unit's subtree and nothing else.
func TestDemoLoginsSeeExactlyTheirScope(t *testing.T) {
	cfg, err := config.Load(envOf(map[string]string{"TAIZHANG_DATA_DIR": t.TempDir(), "TAIZHANG_DEMO": "1", "TAIZHANG_DEMO_WEEKS": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	var printed bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	p, err := start(ctx, cfg, &printed, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- p.serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()

	want := map[string][]string{ // phone → the units visible, by name
		"13800000003": {"东城区", "城关镇", "河口镇", "红旗村", "幸福社区", "柳树村"},
		"13800000004": {"城关镇", "红旗村", "幸福社区"},
		"13800000005": {"红旗村"},
		"13800000006": {"幸福社区"},
		"13800000009": {"石桥村"},
		"13800000007": {"市自然资源局"},
		"13800000008": {"西城区", "西山乡", "石桥村"},
	}
	for _, l := range demo.Logins() {
		if !strings.Contains(printed.String(), l.Phone) {
			t.Errorf("demo login %s is not printed", l.Phone)
		}
		names := visibleUnits(t, base, l.Phone)
		if expected, ok := want[l.Phone]; ok {
			slices.Sort(expected)
			if !slices.Equal(names, expected) {
				t.Errorf("%s (%s) sees %v, want %v", l.Name, l.Phone, names, expected)
			}
		} else if len(names) != 19 || !slices.Contains(names, "示范市") { // root accounts see the whole city
			t.Errorf("%s (%s) sees %d units, want the whole city (19)", l.Name, l.Phone, len(names))
		}
	}
}

// TestDemoCadreHasTheCampaignForms: a village cadre of the demo city finds the
// three templates assigned, the weekly report due on a Friday at noon.
func TestDemoCadreHasTheCampaignForms(t *testing.T) {
	cfg, _ := config.Load(envOf(map[string]string{"TAIZHANG_DATA_DIR": t.TempDir(), "TAIZHANG_DEMO": "1", "TAIZHANG_DEMO_WEEKS": "0"}))
	ctx, cancel := context.WithCancel(context.Background())
	p, err := start(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- p.serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	token := loginToken(t, "http://"+ln.Addr().String(), "13800000005")
	body := getWithToken(t, "http://"+ln.Addr().String()+"/api/v1/forms", token)
	for _, want := range []string{"我为群众办实事台账", "问题清单", "工作周报", `"period":"20`, "T12:00:00+08:00"} {
		if !strings.Contains(body, want) {
			t.Errorf("the cadre's forms lack %s: %s", want, body)
		}
	}
}

func loginToken(t *testing.T, base, phone string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"phone": phone, "password": demo.Password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login %s: %v", phone, err)
	}
	defer resp.Body.Close()
	var login struct {
		AccessToken string `json:"accessToken"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	return login.AccessToken
}

func getWithToken(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func visibleUnits(t *testing.T, base, phone string) []string {
	t.Helper()
	var units []struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal([]byte(getWithToken(t, base+"/api/v1/units", loginToken(t, base, phone))), &units)
	names := []string{}
	for _, u := range units {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	return names
}

// TestDemoCityHasAPast: the office of a fresh demo city finds weeks of weekly
// reports on time, late, missing and excused; 办实事 records in all seven
// categories; problem items in every state, some overdue; and the printed
// cadres can still file this week's report.
func TestDemoCityHasAPast(t *testing.T) {
	base, _ := runningServer(t, map[string]string{"TAIZHANG_DEMO": "1"})
	office := loginToken(t, base, "13800000002")
	formIDs := map[string]string{}
	var list struct {
		Items []struct{ ID, Key string } `json:"items"`
	}
	_ = json.Unmarshal([]byte(getWithToken(t, base+"/api/v1/forms", office)), &list)
	for _, f := range list.Items {
		formIDs[f.Key] = f.ID
	}
	matrix := getWithToken(t, base+"/api/v1/reports/compliance?formId="+formIDs["weekly"], office)
	var m struct {
		Periods []struct {
			Period string    `json:"period"`
			Due    time.Time `json:"due"`
		} `json:"periods"`
	}
	_ = json.Unmarshal([]byte(matrix), &m)
	checkBriefing(t, base, office, formIDs["weekly"], m.Periods)
	if len(m.Periods) < demo.DefaultWeeks {
		t.Errorf("%d weeks in the compliance matrix, want %d or more: %s", len(m.Periods), demo.DefaultWeeks, matrix)
	}
	for _, status := range []string{`"onTime"`, `"late"`, `"missing"`, `"exempted"`, `"pending"`} {
		if !strings.Contains(matrix, status) {
			t.Errorf("no unit is %s in the demo's past", status)
		}
	}
	summary := getWithToken(t, base+"/api/v1/reports/summary?formId="+formIDs["shishi"], office)
	if strings.Contains(summary, `"n":0`) || !strings.Contains(summary, "化解矛盾纠纷") {
		t.Errorf("a category of 办实事 has no record: %s", summary)
	}
	problems := getWithToken(t, base+"/api/v1/entries?limit=100&formId="+formIDs["problem"], office)
	for _, status := range []string{"submitted", "returned", "rejected", "accepted", "rectified", "closed"} {
		if !strings.Contains(problems, `"status":"`+status+`"`) {
			t.Errorf("no problem item is %s", status)
		}
	}
	if overdue := getWithToken(t, base+"/api/v1/reports/overdue", office); !strings.Contains(overdue, `"kind":"rectification"`) {
		t.Errorf("no rectification is overdue: %s", overdue)
	}
	cadre := loginToken(t, base, "13800000005")
	body, _ := json.Marshal(map[string]any{"clientId": "this-week-0001", "submit": true,
		"data": map[string]any{"progress": "本周走访低保户十二户，解决自来水、道路照明等实际问题三件。", "plan": "下周完成两个村的入户走访。"}})
	req, _ := http.NewRequest("POST", base+"/api/v1/forms/"+formIDs["weekly"]+"/entries", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cadre)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("孙干部 files this week's report: %v %v", err, resp.Status)
	}
	resp.Body.Close()
}

// checkBriefing downloads the demo city's 通报 of its last week already due
// and reads it back: four sheets, titled, with the late and missing units and
// the overdue rectification items the demo's past holds.
func checkBriefing(t *testing.T, base, token, formID string, periods []struct {
	Period string    `json:"period"`
	Due    time.Time `json:"due"`
}) {
	t.Helper()
	last := ""
	for _, p := range periods {
		if p.Due.Before(time.Now()) {
			last = p.Period
		}
	}
	r := call(t, "GET", base+"/api/v1/reports/briefing.xlsx?formId="+formID+"&period="+last, token, nil)
	if r.status != 200 {
		t.Fatalf("briefing of %s: %d %s", last, r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"报送情况", "逾期和未报单位", "逾期整改事项", "分类统计"}) {
		t.Fatalf("sheets: %v", got)
	}
	if title, _ := f.GetCellValue("报送情况", "A1"); !strings.Contains(title, "示范市") || !strings.Contains(title, "工作周报") {
		t.Errorf("title: %q", title)
	}
	for sheet, want := range map[string]string{"逾期和未报单位": "未报", "逾期整改事项": "问题清单", "分类统计": "合计"} {
		rows, _ := f.GetRows(sheet)
		if len(rows) < 4 || !strings.Contains(fmt.Sprint(rows[3:]), want) {
			t.Errorf("%s: %v", sheet, rows)
		}
	}
}
