package main

import (
	"fmt"
	"testing"
	"time"

	"taizhang/wecom/wecomtest"
)

// TestRemindersFromTheRunningServer: the real binary, the demo city and a
// fake 企业微信. A form falls due a few seconds after it is assigned to
// 东城区: each filer who is a member gets exactly one card (the reminder
// times already passed collapse into one), the office one escalation at the
// due time, and after the server is killed and started again on the same
// data, nobody anything twice.
func TestRemindersFromTheRunningServer(t *testing.T) {
	bin := testBinary(t)
	fake := wecomtest.Start(t)
	fake.AddMember("SunGanBu", "13800000005")  // 孙干部, 红旗村
	fake.AddMember("ZhouGanBu", "13800000006") // 周干部, 幸福社区
	dir := t.TempDir()
	env := []string{"TAIZHANG_DATA_DIR=" + dir, "TAIZHANG_DEMO_WEEKS=0", "TAIZHANG_REMINDER_EVERY=1s", "TAIZHANG_QUIET_HOURS=",
		"TAIZHANG_WECOM_CORP_ID=" + fake.CorpID, "TAIZHANG_WECOM_SECRET=" + fake.Secret, fmt.Sprintf("TAIZHANG_WECOM_AGENT_ID=%d", fake.AgentID),
		"TAIZHANG_WECOM_BASE_URL=" + fake.URL, "TAIZHANG_PUBLIC_URL=https://taizhang.example.gov.cn"}
	base, server := startBinary(t, bin, env...)
	admin := loginToken(t, base, "13800000001")
	var units []struct{ ID, Name string }
	call(t, "GET", base+"/api/v1/units", admin, nil).json(t, &units)
	district := ""
	for _, u := range units {
		if u.Name == "东城区" {
			district = u.ID
		}
	}
	var form struct{ ID string }
	call(t, "POST", base+"/api/v1/forms", admin, map[string]any{"key": "flood_duty", "title": "防汛值班日报", "category": "custom",
		"fields": []any{map[string]any{"key": "duty", "type": "textarea", "label": "值班情况", "required": true}}}).json(t, &form)
	if r := call(t, "POST", base+"/api/v1/forms/"+form.ID+"/publish", admin, nil); r.status != 200 {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	due := time.Now().Add(8 * time.Second).Truncate(time.Second)
	if r := call(t, "PUT", base+"/api/v1/forms/"+form.ID+"/assignments", admin, map[string]any{"assignments": []any{map[string]any{
		"unitId": district, "schedule": map[string]any{"kind": "once", "due": due.Format(time.RFC3339)}}}}); r.status != 200 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	cardsTo := func() map[string]int {
		out := map[string]int{}
		for _, c := range fake.Cards() {
			out[c.ToUser]++
		}
		return out
	}
	for deadline := time.Now().Add(30 * time.Second); len(cardsTo()) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("cards %v, tokens %d; 孙干部's messages: %s", cardsTo(), fake.Issued(),
				call(t, "GET", base+"/api/v1/notifications", loginToken(t, base, "13800000005"), nil).body)
		}
	}
	// 周干部 files before the due time; 孙干部 does not.
	cadre := loginToken(t, base, "13800000006")
	if r := call(t, "POST", base+"/api/v1/forms/"+form.ID+"/entries", cadre, map[string]any{"clientId": "flood-duty-0001", "submit": true,
		"data": map[string]any{"duty": "全天在岗值守，巡查堤段三处。"}}); r.status != 201 {
		t.Fatalf("file: %d %s", r.status, r.body)
	}
	office := loginToken(t, base, "13800000002")
	escalations := func(token string) int {
		var list struct {
			Items []struct{ Kind, FormID string } `json:"items"`
		}
		call(t, "GET", base+"/api/v1/notifications", token, nil).json(t, &list)
		n := 0
		for _, it := range list.Items {
			if it.Kind == "escalation" && it.FormID == form.ID {
				n++
			}
		}
		return n
	}
	time.Sleep(time.Until(due))
	waitFor(t, func() bool { return escalations(office) == 1 })
	if got := cardsTo(); got["SunGanBu"] != 1 || got["ZhouGanBu"] != 1 {
		t.Fatalf("cards before the restart: %v, want one each", got)
	}
	// Killed, started again on the same data: it sweeps again and sends nothing twice.
	_ = server.Process.Kill()
	_ = server.Wait()
	base, _ = startBinary(t, bin, env...)
	office = loginToken(t, base, "13800000002")
	time.Sleep(3 * time.Second) // three sweeps
	if got := cardsTo(); got["SunGanBu"] != 1 || got["ZhouGanBu"] != 1 || len(got) != 2 {
		t.Fatalf("cards after the restart: %v", got)
	}
	if n := escalations(office); n != 1 {
		t.Fatalf("%d escalations after the restart", n)
	}
}
