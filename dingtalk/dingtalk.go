// Package dingtalk speaks to 钉钉: an application's access token, kept and
// renewed; work notifications (工作通知) to a member; members found by mobile
// number; and web sign-in (OAuth2) with the member's mobile number. BaseURL
// points it at the public API or, in tests, at a fake (dingtalk/dingtalktest).
package dingtalk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"taizhang/appapi"
)

// The public API: the older "oapi" host and the newer one, and where a
// member's browser signs in.
const (
	DefaultBaseURL = "https://oapi.dingtalk.com"
	NewAPIBaseURL  = "https://api.dingtalk.com"
	AuthorizeBase  = "https://login.dingtalk.com/oauth2/auth"
)

// Client is one application (its AppKey and AppSecret) of one organisation.
type Client struct {
	BaseURL    string // the oapi host
	NewBaseURL string // the api host
	AppKey     string
	AppSecret  string
	AgentID    int64
	HTTP       *http.Client
	Now        func() time.Time

	once  sync.Once
	token appapi.Token
}

// Error is an answer with a non-zero errcode.
type Error struct {
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

func (e *Error) Error() string { return fmt.Sprintf("钉钉 errcode %d: %s", e.Code, e.Message) }

const (
	codeTokenInvalid = 40014
	codeTokenExpired = 42001
	codeNoSuchUser   = 60121
)

// NotMember reports an error saying the person is not a member.
func NotMember(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == codeNoSuchUser
}

// accessToken returns the kept token (renewed when renew says it was refused).
func (c *Client) accessToken(ctx context.Context, renew bool) (string, error) {
	c.once.Do(func() {
		c.token.Now = c.Now
		c.token.Fetch = func(ctx context.Context) (string, time.Duration, error) {
			var out struct {
				Error
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
			}
			q := url.Values{"appkey": {c.AppKey}, "appsecret": {c.AppSecret}}
			if err := c.do(ctx, http.MethodGet, c.BaseURL+"/gettoken?"+q.Encode(), nil, nil, &out); err != nil {
				return "", 0, err
			}
			if out.Code != 0 {
				return "", 0, &out.Error
			}
			return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
		}
	})
	return c.token.Get(ctx, renew)
}

// call runs an oapi call with the token, renewing it once when refused.
func (c *Client) call(ctx context.Context, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := c.do(ctx, http.MethodPost, c.BaseURL+path+"?access_token="+url.QueryEscape(token), nil, body, &raw); err != nil {
			return err
		}
		var answer struct{ Error }
		_ = json.Unmarshal(raw, &answer)
		if (answer.Code == codeTokenInvalid || answer.Code == codeTokenExpired) && attempt == 0 {
			continue
		}
		if answer.Code != 0 {
			return &answer.Error
		}
		return json.Unmarshal(raw, out)
	}
}

func (c *Client) do(ctx context.Context, method, target string, header map[string]string, body, out any) error {
	return appapi.Do(ctx, c.HTTP, "钉钉", method, target, header, body, out)
}

// UserIDByMobile finds the member with a mobile number.
func (c *Client) UserIDByMobile(ctx context.Context, mobile string) (string, error) {
	var out struct {
		Result struct {
			UserID string `json:"userid"`
		} `json:"result"`
	}
	err := c.call(ctx, "/topapi/v2/user/getbymobile", map[string]string{"mobile": mobile}, &out)
	return out.Result.UserID, err
}

// SendLink sends a work notification that opens link when tapped.
func (c *Client) SendLink(ctx context.Context, userID, title, text, link string) error {
	body := map[string]any{"agent_id": c.AgentID, "userid_list": userID,
		"msg": map[string]any{"msgtype": "link", "link": map[string]string{"title": title, "text": text, "messageUrl": link, "picUrl": "@lADOADmaWMzazQKA"}}}
	var out struct{}
	return c.call(ctx, "/topapi/message/corpconversation/asyncsend_v2", body, &out)
}

// AuthorizeURL is where a member's browser goes to sign in.
func (c *Client) AuthorizeURL(redirect, state string) string {
	q := url.Values{"client_id": {c.AppKey}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {state}, "prompt": {"consent"}}
	return AuthorizeBase + "?" + q.Encode()
}

// MobileByCode is the mobile number of the member a sign-in's code stands for.
func (c *Client) MobileByCode(ctx context.Context, code string) (string, error) {
	var tok struct {
		AccessToken string `json:"accessToken"`
		Code        string `json:"code"`
		Message     string `json:"message"`
	}
	body := map[string]string{"clientId": c.AppKey, "clientSecret": c.AppSecret, "code": code, "grantType": "authorization_code"}
	if err := c.do(ctx, http.MethodPost, c.NewBaseURL+"/v1.0/oauth2/userAccessToken", nil, body, &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("钉钉 refused the code: %s %s", tok.Code, tok.Message)
	}
	var me struct {
		Mobile string `json:"mobile"`
	}
	err := c.do(ctx, http.MethodGet, c.NewBaseURL+"/v1.0/contact/users/me", map[string]string{"x-acs-dingtalk-access-token": tok.AccessToken}, nil, &me)
	return me.Mobile, err
}
