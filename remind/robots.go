package remind

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"taizhang/errs"
)

// CheckRobots refuses robots that are not a platform's webhook: an address
// that is not https (plain http only on loopback, for tests), a platform
// other than wecom or dingtalk, a 钉钉 robot without its signing secret.
func CheckRobots(list []Robot) error {
	var problems []errs.FieldError
	for i, r := range list {
		at := fmt.Sprintf("robots[%d]", i)
		u, err := url.Parse(r.URL)
		host := ""
		if err == nil {
			host = u.Hostname()
		}
		ip := net.ParseIP(host)
		loopback := err == nil && u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback())
		if err != nil || !(u.Scheme == "https" || loopback) || host == "" || len(r.URL) > 1024 {
			problems = append(problems, errs.FieldError{Field: at + ".url", Code: "invalid", Message: "机器人地址应为 https 开头的 webhook 地址"})
		}
		switch {
		case r.Platform != "wecom" && r.Platform != "dingtalk":
			problems = append(problems, errs.FieldError{Field: at + ".platform", Code: "invalid", Message: "机器人应为企业微信（wecom）或钉钉（dingtalk）的群机器人"})
		case r.Platform == "dingtalk" && !strings.HasPrefix(r.Secret, "SEC"):
			problems = append(problems, errs.FieldError{Field: at + ".secret", Code: "required", Message: "钉钉群机器人请开启“加签”，并填写以 SEC 开头的密钥"})
		}
	}
	if problems != nil {
		return &errs.Error{Code: errs.Unprocessable, Message: "群机器人设置有误", Fields: problems}
	}
	return nil
}

// RobotChannel posts escalations to the group robots of units: the unit
// above missing units hears in its group chat.
type RobotChannel struct {
	Robots    Robots
	HTTP      *http.Client
	PublicURL string // for the link under each message; empty: none
	Now       func() time.Time
}

// Name implements Channel.
func (c *RobotChannel) Name() string { return "robot" }

// forUnits marks a channel whose deliveries go to units, not people.
func (c *RobotChannel) forUnits() {}

// Send implements Channel; the recipient is a unit.
func (c *RobotChannel) Send(ctx context.Context, unitID string, m Message) error {
	robots, err := c.Robots.UnitRobots(ctx, []string{unitID})
	if err != nil {
		return err
	}
	text := "【" + m.Title + "】" + m.Body
	if c.PublicURL != "" {
		text += "\n" + c.PublicURL + m.URL
	}
	var failed []error
	for _, r := range robots[unitID] {
		if err := c.post(ctx, r, text); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

func (c *RobotChannel) post(ctx context.Context, r Robot, text string) error {
	target := r.URL
	if r.Platform == "dingtalk" { // 加签: the time and an HMAC of it, RFC 2104 over "timestamp\nsecret"
		ts := strconv.FormatInt(c.Now().UnixMilli(), 10)
		mac := hmac.New(sha256.New, []byte(r.Secret))
		mac.Write([]byte(ts + "\n" + r.Secret))
		sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		sep := "&"
		if !strings.Contains(target, "?") {
			sep = "?"
		}
		target += sep + "timestamp=" + ts + "&sign=" + url.QueryEscape(sign)
	}
	body, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s robot: %w", r.Platform, err)
	}
	defer resp.Body.Close()
	var answer struct {
		Code    int    `json:"errcode"`
		Message string `json:"errmsg"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&answer) != nil || answer.Code != 0 {
		return fmt.Errorf("%s robot answered %d, errcode %d %s", r.Platform, resp.StatusCode, answer.Code, answer.Message)
	}
	return nil
}
