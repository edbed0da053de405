// Package wecom speaks to 企业微信 and 政务微信 (the same API family): an
// application's access token, kept and renewed; text-card messages to a
// member; members found by mobile number; and web sign-in (OAuth2) inside
// the app. BaseURL points it at the public API or, in tests, at a fake
// (wecom/wecomtest) that speaks the same protocol.
package wecom

import (
	"context"
	"encoding/json"
	"fmt"
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

	once  sync.Once
	token appapi.Token
}

// Error is an answer of the API with a non-zero errcode.
type Error struct {
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

func (e *Error) Error() string { return fmt.Sprintf("企业微信 errcode %d: %s", e.Code, e.Message) }

// Codes that matter here.
const (
	codeTokenInvalid = 40014
	codeTokenExpired = 42001
	codeNoSuchUser   = 46004
	codeNoSuchUser2  = 60111
)

// NotMember reports an error saying the person is not a member.
func NotMember(err error) bool {
	e, ok := err.(*Error)
	return ok && (e.Code == codeNoSuchUser || e.Code == codeNoSuchUser2)
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
			q := url.Values{"corpid": {c.CorpID}, "corpsecret": {c.Secret}}
			if err := c.do(ctx, http.MethodGet, "/cgi-bin/gettoken?"+q.Encode(), nil, &out); err != nil {
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

// call runs an API call with the access token, renewing it once when the
// API says it is no longer good.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		q := url.Values{"access_token": {token}}
		for k, v := range query {
			q[k] = v
		}
		var answer struct{ Error }
		raw := json.RawMessage{}
		if err := c.do(ctx, method, path+"?"+q.Encode(), body, &raw); err != nil {
			return err
		}
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

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	return appapi.Do(ctx, c.HTTP, "企业微信", method, c.BaseURL+path, nil, body, out)
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
