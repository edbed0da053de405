package api

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"taizhang/dingtalk"
	"taizhang/dingtalk/dingtalktest"
	"taizhang/remind"
)

func (lw ledgerWorld) onDingTalk(t *testing.T) *dingtalktest.Server {
	fake := dingtalktest.Start(t)
	lw.dingtalk.BaseURL, lw.dingtalk.NewBaseURL, lw.dingtalk.AppKey, lw.dingtalk.AppSecret, lw.dingtalk.AgentID =
		fake.URL, fake.URL, fake.AppKey, fake.AppSecret, fake.AgentID
	return fake
}

// TestRemindersOnDingTalk: members get each reminder as a work
// notification linking to its page, once; others nothing there.
func TestRemindersOnDingTalk(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	fake := lw.onDingTalk(t)
	fake.AddMember("sun", lw.people["v2"].Phone)
	svc := lw.reminders()
	svc.Channels = []remind.Channel{dingtalk.Channel(lw.dingtalk, "https://taizhang.example.gov.cn", func(ctx context.Context, id string) (string, error) {
		u, err := lw.st.org.UserByID(ctx, id)
		return u.Phone, err
	})}
	lw.sweepAt(t, beijing(12, 10, 13), svc)
	deliver(t, svc)
	deliver(t, svc)
	got := fake.Notices()
	if len(got) != 1 || got[0].To != "sun" || got[0].AgentID != fake.AgentID || got[0].URL != "https://taizhang.example.gov.cn/fill/"+lw.formID ||
		!strings.Contains(got[0].Text, "截止") {
		t.Fatalf("notices: %+v", got)
	}
}

// TestSignInThroughDingTalk: as through 企业微信, with 钉钉's code and its
// member's mobile number.
func TestSignInThroughDingTalk(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	fake := lw.onDingTalk(t)
	fake.AddMember("sun", lw.people["v2"].Phone)
	fake.AddMember("stranger", "13999999998")
	start := func() string {
		t.Helper()
		p := provider(t, lw.call("GET", "/api/v1/auth/oauth", "", nil), "dingtalk")
		u, _ := url.Parse(str(p, "authorizeUrl"))
		if p["label"] != "钉钉登录" || u.Query().Get("client_id") != fake.AppKey || !strings.HasSuffix(u.Query().Get("redirect_uri"), "/login/dingtalk") {
			t.Fatalf("authorize URL: %v", p)
		}
		return u.Query().Get("state")
	}
	state := start()
	r := lw.call("POST", "/api/v1/auth/dingtalk/callback", "", map[string]any{"code": fake.SignIn("sun"), "state": state})
	if r.status != 200 || str(r.json(t), "accessToken") == "" {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	if r := lw.call("POST", "/api/v1/auth/dingtalk/callback", "", map[string]any{"code": fake.SignIn("sun"), "state": state}); r.status != 400 {
		t.Fatalf("a replayed state: %d", r.status)
	}
	if r := lw.call("POST", "/api/v1/auth/dingtalk/callback", "", map[string]any{"code": fake.SignIn("sun"), "state": strings.Replace(start(), "dingtalk.", "wecom.", 1)}); r.status != 400 {
		t.Fatalf("another provider's state: %d", r.status)
	}
	r = lw.call("POST", "/api/v1/auth/dingtalk/callback", "", map[string]any{"code": fake.SignIn("stranger"), "state": start()})
	if r.status != 403 || !strings.Contains(string(r.body), "钉钉账号未关联") {
		t.Fatalf("a member who is no user: %d %s", r.status, r.body)
	}
	if r := lw.call("POST", "/api/v1/auth/dingtalk/callback", "", map[string]any{"code": "forged-code", "state": start()}); r.status != 400 {
		t.Fatalf("a code 钉钉 never gave: %d %s", r.status, r.body)
	}
}
