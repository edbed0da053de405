// Package appapi is what the 企业微信 and 钉钉 clients share: an
// application's access token, kept until shortly before it expires and
// renewed when refused, errcode answers, and JSON calls over HTTP.
package appapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token keeps an access token; Fetch gets a new one and how long it lives.
type Token struct {
	Fetch func(ctx context.Context) (token string, life time.Duration, err error)
	Now   func() time.Time

	mu      sync.Mutex
	value   string
	expires time.Time
}

// Get returns the kept token, fetching one when there is none, it expires
// within five minutes, or renew says the platform refused it.
func (t *Token) Get(ctx context.Context, renew bool) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !renew && t.value != "" && t.Now().Add(5*time.Minute).Before(t.expires) {
		return t.value, nil
	}
	value, life, err := t.Fetch(ctx)
	if err != nil {
		return "", err
	}
	t.value, t.expires = value, t.Now().Add(life)
	return value, nil
}

// Do sends body (nil: none) as JSON with the headers and decodes a 200
// answer into out; platform names the platform in errors.
func Do(ctx context.Context, client *http.Client, platform, method, target string, header map[string]string, body, out any) error {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", platform, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %d", platform, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Error is an answer whose errcode is not 0 (both platforms answer so).
type Error struct {
	Platform string `json:"-"`
	Code     int    `json:"errcode"`
	Message  string `json:"errmsg"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s errcode %d: %s", e.Platform, e.Code, e.Message)
}

// HasCode reports whether err is an answer with one of the codes.
func HasCode(err error, codes ...int) bool {
	e, ok := err.(*Error)
	if !ok {
		return false
	}
	for _, code := range codes {
		if e.Code == code {
			return true
		}
	}
	return false
}

// The codes both platforms give a token that is no longer good.
const (
	codeTokenInvalid = 40014
	codeTokenExpired = 42001
)

// Client calls an application's API with its access token: the token is
// fetched from TokenURL (a gettoken answering access_token and expires_in),
// kept, and fetched again once when a call says it is no longer good.
type Client struct {
	Platform string
	HTTP     *http.Client
	Now      func() time.Time
	TokenURL func() string

	once  sync.Once
	token Token
}

// Call sends body to target (which may carry a query) with the access
// token and decodes the answer into out; a non-zero errcode is an *Error.
func (c *Client) Call(ctx context.Context, method, target string, body, out any) error {
	c.once.Do(func() { c.token.Now, c.token.Fetch = c.Now, c.fetchToken })
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	for attempt := 0; ; attempt++ {
		token, err := c.token.Get(ctx, attempt > 0)
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := Do(ctx, c.HTTP, c.Platform, method, target+sep+"access_token="+url.QueryEscape(token), nil, body, &raw); err != nil {
			return err
		}
		answer := Error{Platform: c.Platform}
		_ = json.Unmarshal(raw, &answer)
		if HasCode(&answer, codeTokenInvalid, codeTokenExpired) && attempt == 0 {
			continue
		}
		if answer.Code != 0 {
			return &answer
		}
		return json.Unmarshal(raw, out)
	}
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	out := struct {
		Error
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}{Error: Error{Platform: c.Platform}}
	if err := Do(ctx, c.HTTP, c.Platform, http.MethodGet, c.TokenURL(), nil, nil, &out); err != nil {
		return "", 0, err
	}
	if out.Code != 0 {
		return "", 0, &out.Error
	}
	return out.AccessToken, time.Duration(out.ExpiresIn) * time.Second, nil
}
