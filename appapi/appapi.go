// Package appapi is what the 企业微信 and 钉钉 clients share: an
// application's access token, kept until shortly before it expires, and
// JSON calls over HTTP.
package appapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
