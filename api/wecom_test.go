package api

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"taizhang/remind"
	"taizhang/wecom"
	"taizhang/wecom/wecomtest"
)

// onWeCom points the world's 企业微信 client at a fake organisation.
func (lw ledgerWorld) onWeCom(t *testing.T) *wecomtest.Server {
	fake := wecomtest.Start(t)
	lw.wecom.BaseURL, lw.wecom.CorpID, lw.wecom.AgentID, lw.wecom.Secret = fake.URL, fake.CorpID, fake.AgentID, fake.Secret
	return fake
}

// TestRemindersOnWeCom: members of the organisation's 企业微信 get each
// reminder as a text card opening its page; people who are not members get
// nothing there; the access token is kept, renewed when the API says it
// expired, and a failed send is retried.
func TestRemindersOnWeCom(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	fake := lw.onWeCom(t)
	fake.AddMember("SunGanBu", lw.people["v2"].Phone)
	fake.AddMember("ZhouGanBu", lw.people["v3"].Phone)
	// t1's cadre is known on 企业微信 by another number: the id learned at sign-in reaches them.
	fake.AddMember("LiStored", "13911112222")
	if err := lw.st.remind.SetMemberID(context.Background(), "wecom", lw.people["t1"].ID, "LiStored"); err != nil {
		t.Fatal(err)
	}
	svc := lw.reminders()
	svc.Channels = []remind.Channel{wecom.Channel(lw.wecom, "https://taizhang.example.gov.cn", func(ctx context.Context, id string) (string, error) {
		u, err := lw.st.org.UserByID(ctx, id)
		return u.Phone, err
	}, lw.st.remind)}
	if n := lw.sweepAt(t, beijing(12, 10, 13), svc); n != 5 {
		t.Fatalf("%d reminders", n)
	}
	deliver(t, svc)
	cards := fake.Cards()
	if len(cards) != 3 || fake.Issued() != 1 || !slices.ContainsFunc(cards, func(c wecomtest.Card) bool { return c.ToUser == "LiStored" }) {
		t.Fatalf("cards %+v, tokens issued %d: want one card for each member and one token", cards, fake.Issued())
	}
	for _, c := range cards {
		if c.AgentID != fake.AgentID || c.Title != "截止提醒" || c.URL != "https://taizhang.example.gov.cn/fill/"+lw.formID || !strings.Contains(c.Description, "截止") {
			t.Fatalf("card: %+v", c)
		}
	}
	deliver(t, svc)
	if len(fake.Cards()) != 3 {
		t.Fatal("a card was sent twice")
	}
	// The token expires on the server's side; a send fails once.
	fake.ExpireTokens()
	fake.FailSends(1)
	lw.sweepAt(t, beijing(12, 11, 11), svc) // the 2-hour reminders
	deliver(t, svc)
	lw.now = lw.now.Add(2 * time.Minute)
	deliver(t, svc)
	if got := len(fake.Cards()); got != 6 || fake.Issued() != 2 {
		t.Fatalf("%d cards, %d tokens after the expiry and a failed send: want 6 and 2", got, fake.Issued())
	}
}

// TestSignInThroughWeCom: the login page's link carries a fresh state; the
// callback signs the member in as the user with their mobile number, an
// ordinary session; a replayed or forged state is 400, an unknown member 403.
func TestSignInThroughWeCom(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	fake := lw.onWeCom(t)
	fake.AddMember("SunGanBu", lw.people["v2"].Phone)
	fake.AddMember("Stranger", "13999999999")
	start := func() string {
		t.Helper()
		r := lw.call("GET", "/api/v1/auth/oauth", "", nil)
		p := provider(t, r, "wecom")
		u, err := url.Parse(str(p, "authorizeUrl"))
		if err != nil || p["label"] != "企业微信登录" || u.Query().Get("appid") != fake.CorpID || !strings.HasSuffix(u.Query().Get("redirect_uri"), "/login/wecom") ||
			u.Query().Get("agentid") == "" || u.Query().Get("scope") != "snsapi_base" {
			t.Fatalf("authorize URL: %v", p)
		}
		return u.Query().Get("state")
	}
	state := start()
	r := lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("SunGanBu"), "state": state})
	if r.status != 200 || str(r.json(t), "accessToken") == "" {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	if stored, _ := lw.st.remind.MemberIDs(context.Background(), "wecom", []string{lw.people["v2"].ID}); stored[lw.people["v2"].ID] != "SunGanBu" {
		t.Fatalf("the member id learned at sign-in: %v", stored)
	}
	me := lw.call("GET", "/api/v1/me", str(r.json(t), "accessToken"), nil)
	if me.status != 200 || !strings.Contains(string(me.body), lw.people["v2"].ID) {
		t.Fatalf("the session is v2's cadre's: %d %s", me.status, me.body)
	}
	if r := lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("SunGanBu"), "state": state}); r.status != 400 {
		t.Fatalf("a replayed state: %d %s", r.status, r.body)
	}
	// The member's number on 企业微信 changes: the id stored at the first sign-in still finds the user.
	fake.AddMember("SunGanBu", "13911110000")
	r = lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("SunGanBu"), "state": start()})
	if me := lw.call("GET", "/api/v1/me", str(r.json(t), "accessToken"), nil); r.status != 200 || !strings.Contains(string(me.body), lw.people["v2"].ID) {
		t.Fatalf("sign in by the stored member id: %d %s", r.status, r.body)
	}
	forged := start()
	forged = forged[:len(forged)-2] + "xx"
	if r := lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("SunGanBu"), "state": forged}); r.status != 400 {
		t.Fatalf("a forged state: %d %s", r.status, r.body)
	}
	r = lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("Stranger"), "state": start()})
	if r.status != 403 || !strings.Contains(string(r.body), "企业微信账号未关联") {
		t.Fatalf("a member who is no user: %d %s", r.status, r.body)
	}
	lw.now = lw.now.Add(11 * time.Minute)
	stale := start()
	lw.now = lw.now.Add(11 * time.Minute)
	if r := lw.call("POST", "/api/v1/auth/wecom/callback", "", map[string]any{"code": fake.SignIn("SunGanBu"), "state": stale}); r.status != 400 {
		t.Fatalf("a stale state: %d %s", r.status, r.body)
	}
}

// provider finds a sign-in provider in GET /api/v1/auth/oauth's answer.
func provider(t *testing.T, r reply, name string) map[string]any {
	t.Helper()
	for _, x := range r.json(t)["providers"].([]any) {
		if p := x.(map[string]any); p["name"] == name {
			return p
		}
	}
	t.Fatalf("no provider %s: %s", name, r.body)
	return nil
}
