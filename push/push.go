// Package push sends reminders to installed PWAs through the browsers' push
// services (Web Push: RFC 8030, payloads encrypted per RFC 8291, the server
// identified by VAPID, RFC 8292). A subscription is what a browser's
// pushManager.subscribe gave: an endpoint and two keys.
package push

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"taizhang/errs"
	"taizhang/remind"
)

// Subscription is one browser of one user that asked for pushes.
type Subscription struct {
	Endpoint  string
	UserID    string
	P256dh    string // the browser's public key, base64url
	Auth      string // the shared authentication secret, base64url
	CreatedAt time.Time
}

// Store keeps subscriptions. A user reaches only their own.
type Store interface {
	// SaveSubscription stores or replaces the subscription at its endpoint.
	SaveSubscription(ctx context.Context, s Subscription) error
	// DeleteSubscription removes the user's subscription at endpoint.
	DeleteSubscription(ctx context.Context, userID, endpoint string) error
	// Subscriptions lists the user's subscriptions.
	Subscriptions(ctx context.Context, userID string) ([]Subscription, error)
	// DropEndpoint removes a subscription the push service says is gone.
	DropEndpoint(ctx context.Context, endpoint string) error
}

// Check refuses a subscription that is not a browser's: an endpoint that is
// not https (http is let through for loopback only, for tests), keys that
// are not a P-256 point and a 16-byte secret.
func Check(s Subscription) error {
	var problems []errs.FieldError
	u, err := url.Parse(s.Endpoint)
	loopback := err == nil && u.Scheme == "http" && isLoopback(u.Hostname())
	if err != nil || len(s.Endpoint) > 2048 || !(u.Scheme == "https" || loopback) || u.Host == "" {
		problems = append(problems, errs.FieldError{Field: "endpoint", Code: "invalid", Message: "推送地址应为浏览器推送服务的 https 地址"})
	}
	if raw, err := decode(s.P256dh); err != nil || len(raw) != 65 || raw[0] != 4 {
		problems = append(problems, errs.FieldError{Field: "keys.p256dh", Code: "invalid", Message: "浏览器公钥无效"})
	}
	if raw, err := decode(s.Auth); err != nil || len(raw) != 16 {
		problems = append(problems, errs.FieldError{Field: "keys.auth", Code: "invalid", Message: "浏览器推送密钥无效"})
	}
	if problems != nil {
		return &errs.Error{Code: errs.Unprocessable, Message: "推送订阅无效", Fields: problems}
	}
	return nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func decode(s string) ([]byte, error) {
	if len(s) > 200 {
		return nil, fmt.Errorf("too long")
	}
	s = strings.TrimRight(s, "=")
	if raw, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return raw, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Keys are the server's VAPID key pair, base64url.
type Keys struct {
	Public  string `json:"publicKey"`
	Private string `json:"privateKey"`
}

// KeysFile is where the VAPID keys are kept in the data dir.
const KeysFile = "vapid.json"

// LoadOrCreateKeys reads the VAPID keys from dir, making them on first start:
// browsers subscribed with the public key, so it must never change.
func LoadOrCreateKeys(dir string) (Keys, error) {
	path := filepath.Join(dir, KeysFile)
	var k Keys
	raw, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(raw, &k); err != nil || k.Public == "" || k.Private == "" {
			return Keys{}, fmt.Errorf("%s is damaged: %v", path, err)
		}
		return k, nil
	}
	if !os.IsNotExist(err) {
		return Keys{}, err
	}
	if k, err = NewKeys(); err != nil {
		return Keys{}, err
	}
	raw, _ = json.Marshal(k)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Keys{}, err
	}
	return k, os.WriteFile(path, raw, 0o600)
}

// NewKeys makes a VAPID key pair.
func NewKeys() (Keys, error) {
	var k Keys
	var err error
	k.Private, k.Public, err = webpush.GenerateVAPIDKeys()
	return k, err
}

// Channel sends messages to every browser a user subscribed.
type Channel struct {
	Store   Store
	Keys    Keys
	Subject string // VAPID contact: mailto: or https:
	Client  *http.Client
}

// Name implements remind.Channel.
func (c *Channel) Name() string { return "webpush" }

// Send implements remind.Channel: every subscription of the user gets the
// message; one the push service says is gone (404, 410) is dropped; any
// other refusal is an error, retried later.
func (c *Channel) Send(ctx context.Context, userID string, m remind.Message) error {
	subs, err := c.Store.Subscriptions(ctx, userID)
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(m)
	var failed []string
	for _, s := range subs {
		resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{Endpoint: s.Endpoint,
			Keys: webpush.Keys{P256dh: s.P256dh, Auth: s.Auth}}, &webpush.Options{HTTPClient: c.Client, Subscriber: c.Subject,
			VAPIDPublicKey: c.Keys.Public, VAPIDPrivateKey: c.Keys.Private, TTL: 24 * 3600, Urgency: webpush.UrgencyNormal})
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			if err := c.Store.DropEndpoint(ctx, s.Endpoint); err != nil {
				return err
			}
		case resp.StatusCode >= 300:
			failed = append(failed, fmt.Sprintf("push service answered %d", resp.StatusCode))
		}
	}
	if failed != nil {
		return fmt.Errorf("web push: %s", strings.Join(failed, "; "))
	}
	return nil
}
