package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/remind"
)

// robotHook is a group robot's webhook: it checks 钉钉's signature when it
// has a secret, and keeps what it was told.
type robotHook struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	texts  []string
}

func startHook(t *testing.T, secret string) *robotHook {
	h := &robotHook{secret: secret}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.secret != "" {
			mac := hmac.New(sha256.New, []byte(h.secret))
			mac.Write([]byte(r.URL.Query().Get("timestamp") + "\n" + h.secret))
			if r.URL.Query().Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 310000, "errmsg": "sign not match"})
				return
			}
		}
		var body struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		h.mu.Lock()
		h.texts = append(h.texts, body.Text.Content)
		h.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 0, "errmsg": "ok"})
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *robotHook) said() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.texts...)
}

// TestGroupRobotsTakeEscalations: the town's administrator sets its 企业微信
// and signed 钉钉 group robots; at the due time both groups hear which of the
// town's units have not filed, once; bad robots are 422.
func TestGroupRobotsTakeEscalations(t *testing.T) {
	lw := newLedgerWorld(t, newWorld(t))
	admin := lw.tokenFor(lw.addUser("13900000701", "t1", false, auth.RoleAdmin))
	wecom, ding := startHook(t, ""), startHook(t, "SECtest-secret")
	url := "/api/v1/units/" + lw.units["t1"].ID + "/robots"
	for name, robots := range map[string][]map[string]any{
		"plain http off this host": {{"platform": "wecom", "url": "http://qyapi.example.org/hook"}},
		"an unknown platform":      {{"platform": "feishu", "url": "https://open.feishu.cn/hook"}},
		"钉钉 without its secret":    {{"platform": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=x"}},
	} {
		if r := lw.call("PUT", url, admin, map[string]any{"robots": robots}); r.status != 422 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	r := lw.call("PUT", url, admin, map[string]any{"robots": []map[string]any{{"platform": "wecom", "url": wecom.srv.URL + "/send?key=k"},
		{"platform": "dingtalk", "url": ding.srv.URL + "/robot/send?access_token=t", "secret": ding.secret}}})
	if r.status != 200 || strings.Contains(string(r.body), ding.secret) || !strings.Contains(string(r.body), `"secretSet":true`) {
		t.Fatalf("set robots: %d %s", r.status, r.body)
	}
	if r := lw.call("PUT", "/api/v1/units/"+lw.units["d2"].ID+"/robots", admin, map[string]any{"robots": []any{}}); r.status != 404 {
		t.Fatalf("another town's administrator sets d2's robots: %d", r.status)
	}
	svc := lw.reminders()
	svc.Channels = []remind.Channel{&remind.RobotChannel{Robots: lw.st.remind, HTTP: http.DefaultClient, PublicURL: "https://taizhang.example.gov.cn",
		Now: func() time.Time { return lw.now }}}
	lw.now = beijing(12, 10, 12)
	lw.fileWeekly("v1", "")
	lw.sweepAt(t, beijing(12, 11, 13), svc)
	deliver(t, svc)
	lw.sweepAt(t, beijing(12, 11, 14), svc)
	deliver(t, svc)
	for name, hook := range map[string]*robotHook{"企业微信": wecom, "钉钉": ding} {
		said := hook.said()
		if len(said) != 1 || !strings.Contains(said[0], "2 个单位未报送") || !strings.Contains(said[0], "https://taizhang.example.gov.cn/stats/obligations") {
			t.Errorf("%s group: %q", name, said)
		}
	}
}
