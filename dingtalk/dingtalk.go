// Package dingtalk speaks to 钉钉: an application's access token, kept and
// renewed; work notifications (工作通知) to a member; members found by mobile
// number; and web sign-in (OAuth2) with the member's mobile number. BaseURL
// points it at the public API or, in tests, at a fake (dingtalk/dingtalktest).
package dingtalk

import (
	"context"
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

	once sync.Once
	api  appapi.Client
}

// NotMember reports an answer saying the person is not a member.
func NotMember(err error) bool { return appapi.HasCode(err, 60121) }

// call runs an oapi call with the application's access token.
func (c *Client) call(ctx context.Context, path string, body, out any) error {
	c.once.Do(func() {
		c.api = appapi.Client{Platform: "钉钉", HTTP: c.HTTP, Now: c.Now, TokenURL: func() string {
			return c.BaseURL + "/gettoken?" + url.Values{"appkey": {c.AppKey}, "appsecret": {c.AppSecret}}.Encode()
		}}
	})
	return c.api.Call(ctx, http.MethodPost, c.BaseURL+path, body, out)
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
