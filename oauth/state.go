// Package oauth makes and checks the state of a sign-in through another
// platform (企业微信, 钉钉): signed, short-lived and good once, so a forged,
// stale or replayed callback signs nobody in.
package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"taizhang/errs"
)

// StateLife is how long a sign-in may take between leaving and coming back.
const StateLife = 10 * time.Minute

// States makes and checks states with a key only this server knows.
type States struct {
	Key []byte
	// Use records a state's nonce as used and reports whether it was fresh
	// (remind.Store.Record does this in the store, for every instance).
	Use func(ctx context.Context, nonce string, at time.Time) (bool, error)
	Now func() time.Time
}

var errState = errs.Fields("登录请求无效或已过期，请重新登录",
	errs.FieldError{Field: "state", Code: "invalid", Message: "登录请求无效、已使用或已过期，请重新发起登录"})

// New makes a state for one sign-in of provider.
func (s *States) New(provider string) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint64(raw[16:], uint64(s.Now().Add(StateLife).Unix()))
	body := provider + "." + base64.RawURLEncoding.EncodeToString(raw)
	return body + "." + s.sign(body), nil
}

func (s *States) sign(body string) string {
	mac := hmac.New(sha256.New, s.Key)
	mac.Write([]byte("oauth-state:" + body))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Check accepts a state this server made for provider, not expired, once.
func (s *States) Check(ctx context.Context, provider, state string) error {
	parts := strings.Split(state, ".")
	if len(parts) != 3 || parts[0] != provider || !hmac.Equal([]byte(parts[2]), []byte(s.sign(parts[0]+"."+parts[1]))) {
		return errState
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(raw) != 24 {
		return errState
	}
	if s.Now().Unix() > int64(binary.BigEndian.Uint64(raw[16:])) {
		return errState
	}
	fresh, err := s.Use(ctx, "oauth-state|"+parts[1], s.Now())
	if err != nil {
		return err
	}
	if !fresh {
		return errState
	}
	return nil
}
