// Package wecom speaks to 企业微信 and 政务微信 (the same API family): an
// application's access token, kept and renewed; text-card messages to a
// member; members found by mobile number; and web sign-in (OAuth2) inside
// the app. BaseURL points it at the public API or, in tests, at a fake
// (wecom/wecomtest) that speaks the same protocol.
package wecom

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"taizhang/appapi"
)

// DefaultBaseURL is the public 企业微信 API.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// AuthorizeBase is where a member's browser goes to sign in.
const AuthorizeBase = "https://open.weixin.qq.com/connect/oauth2/authorize"

// Client is one application of one organisation (corp).
type Client struct {
	BaseURL string
	CorpID  string
	AgentID int
	Secret  string
	HTTP    *http.Client
	Now     func() time.Time

	once sync.Once
	api  appapi.Client
}

// NotMember reports an answer saying the person is not a member.
func NotMember(err error) bool { return appapi.HasCode(err, 46004, 60111) }

// call runs an API call with the application's access token.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	c.once.Do(func() {
		c.api = appapi.Client{Platform: "企业微信", HTTP: c.HTTP, Now: c.Now, TokenURL: func() string {
			return c.BaseURL + "/cgi-bin/gettoken?" + url.Values{"corpid": {c.CorpID}, "corpsecret": {c.Secret}}.Encode()
		}}
	})
	target := c.BaseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	return c.api.Call(ctx, method, target, body, out)
}

// UserIDByMobile finds the member with a mobile number.
func (c *Client) UserIDByMobile(ctx context.Context, mobile string) (string, error) {
	var out struct {
		UserID string `json:"userid"`
	}
	err := c.call(ctx, http.MethodPost, "/cgi-bin/user/getuserid", nil, map[string]string{"mobile": mobile}, &out)
	return out.UserID, err
}

// Mobile is a member's mobile number.
func (c *Client) Mobile(ctx context.Context, userID string) (string, error) {
	var out struct {
		Mobile string `json:"mobile"`
	}
	err := c.call(ctx, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {userID}}, nil, &out)
	return out.Mobile, err
}

// SendTextCard sends a card that opens link when tapped.
func (c *Client) SendTextCard(ctx context.Context, userID, title, description, link string) error {
	body := map[string]any{"touser": userID, "msgtype": "textcard", "agentid": c.AgentID,
		"textcard": map[string]string{"title": title, "description": description, "url": link, "btntxt": "查看"}}
	var out struct{}
	return c.call(ctx, http.MethodPost, "/cgi-bin/message/send", nil, body, &out)
}

// AuthorizeURL is where a member's browser goes to sign in; it comes back to
// redirect with code and state.
func (c *Client) AuthorizeURL(redirect, state string) string {
	q := url.Values{"appid": {c.CorpID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"snsapi_base"},
		"state": {state}, "agentid": {strconv.Itoa(c.AgentID)}}
	return AuthorizeBase + "?" + q.Encode() + "#wechat_redirect"
}

// UserIDByCode is the member a sign-in's code stands for.
func (c *Client) UserIDByCode(ctx context.Context, code string) (string, error) {
	var out struct {
		UserID string `json:"userid"`
	}
	err := c.call(ctx, http.MethodGet, "/cgi-bin/auth/getuserinfo", url.Values{"code": {code}}, nil, &out)
	return out.UserID, err
}
