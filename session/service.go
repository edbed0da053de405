package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/org"
)

// RefreshTTL is how long a refresh token lives unused: a cadre who opens the app
// at least monthly never has to type the password again.
const RefreshTTL = 30 * 24 * time.Hour

// Service signs people in and out.
type Service struct {
	Users    org.UserStore
	Sessions Store
	Tokens   *auth.Tokens
	Password auth.PasswordParams
	// PhoneThrottle and IPThrottle bound password guessing per account and per
	// client address (a village office shares one address, so its limit is higher).
	PhoneThrottle, IPThrottle *auth.Throttle
	// Slots bounds concurrent password hashing on this instance (nil: unbounded).
	Slots *auth.PasswordSlots
	Now   func() time.Time
	Audit *audit.Log
}

// Pair is what a successful login or refresh returns.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	User         org.User
}

var errBadLogin = errs.New(errs.Unauthorized, "手机号或密码错误")

// Login checks a phone and password. Unknown phones and wrong passwords fail the
// same way, after the same amount of work, so neither answers nor timing reveal
// which phones have accounts. The attempt counts against the phone's and the
// address's limits before the password is checked, and the check waits for a
// free password slot.
func (s *Service) Login(ctx context.Context, rawPhone, password, clientIP string) (Pair, error) {
	phone, err := org.NormalizePhone(rawPhone)
	if err != nil {
		return Pair{}, err
	}
	settle, err := s.reserve(ctx, phone, clientIP)
	if err != nil {
		return Pair{}, err
	}
	user, rehash, err := s.checkLogin(ctx, phone, password)
	settle(errors.Is(err, errBadLogin))
	if err != nil {
		return Pair{}, err
	}
	if err := s.PhoneThrottle.Succeed(ctx, phone); err != nil {
		return Pair{}, err
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hash(ctx, password); err != nil {
			return Pair{}, err
		}
	}
	if err := s.Users.RecordLogin(ctx, user.ID, s.Now(), newHash); err != nil {
		return Pair{}, err
	}
	if err := s.Audit.Record(ctx, user.ID, "login", user.UnitPath, user.ID, map[string]any{"ip": clientIP}); err != nil {
		return Pair{}, err
	}
	return s.issue(ctx, user, ids.New(s.Now()))
}

// checkLogin finds the account and verifies the password in a password slot;
// errBadLogin for an unknown phone, a wrong password or an inactive account.
func (s *Service) checkLogin(ctx context.Context, phone, password string) (user org.User, rehash bool, err error) {
	user, err = s.Users.UserByPhone(ctx, phone)
	known := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return org.User{}, false, err
	}
	ok := false
	var verifyErr error
	slotErr := s.Slots.Do(ctx, func() {
		if !known {
			auth.SpendPasswordTime(password, s.Password)
			return
		}
		ok, rehash, verifyErr = auth.VerifyPassword(password, user.PasswordHash, s.Password)
	})
	switch {
	case slotErr != nil:
		return org.User{}, false, slotErr
	case verifyErr != nil || !ok || !user.Active:
		return org.User{}, false, errBadLogin
	}
	return user, rehash, nil
}

// reserve counts an attempt against the phone's and the address's limits; the
// returned settle records its outcome in both.
func (s *Service) reserve(ctx context.Context, phone, clientIP string) (settle func(failed bool) (phoneLocked bool), err error) {
	settlePhone, wait, ok, err := s.PhoneThrottle.Reserve(ctx, phone)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tooManyAttempts(wait)
	}
	settleIP, wait, ok, err := s.IPThrottle.Reserve(ctx, clientIP)
	if err != nil || !ok {
		settlePhone(false)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tooManyAttempts(wait)
	}
	return func(failed bool) bool {
		settleIP(failed)
		return settlePhone(failed)
	}, nil
}

func tooManyAttempts(wait time.Duration) error {
	minutes := int(wait.Round(time.Minute) / time.Minute)
	message := "登录失败次数过多，请稍后再试"
	if minutes >= 1 {
		message = fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", minutes)
	}
	return &errs.Error{Code: errs.TooManyRequests, Message: message, RetryAfter: wait}
}

func (s *Service) hash(ctx context.Context, password string) (hash string, err error) {
	slotErr := s.Slots.Do(ctx, func() { hash, err = auth.HashPassword(password, s.Password) })
	return hash, errors.Join(slotErr, err)
}

var errBadRefresh = errs.New(errs.Unauthorized, "登录已过期，请重新登录")

// Refresh rotates a refresh token: the presented one is spent and a new pair
// issued in the same family. Presenting a spent token means it was copied: the
// whole family is revoked, logging out thief and owner alike.
func (s *Service) Refresh(ctx context.Context, token string) (Pair, error) {
	rec, err := s.Sessions.RefreshByHash(ctx, hashToken(token))
	if errs.Is(err, errs.NotFound) {
		return Pair{}, errBadRefresh
	}
	if err != nil {
		return Pair{}, err
	}
	if rec.Revoked || !s.Now().Before(rec.ExpiresAt) {
		return Pair{}, errBadRefresh
	}
	if rec.Used {
		return Pair{}, s.revoke(ctx, rec.FamilyID)
	}
	if err := s.Sessions.UseRefresh(ctx, rec.Hash); errs.Is(err, errs.Conflict) {
		return Pair{}, s.revoke(ctx, rec.FamilyID) // lost a race with another use: treat as reuse
	} else if err != nil {
		return Pair{}, err
	}
	user, err := s.Users.UserByID(ctx, rec.UserID)
	if err != nil || !user.Active || user.AuthVersion != rec.AuthVersion {
		// Deactivated, or roles, unit or password changed since login.
		return Pair{}, s.revoke(ctx, rec.FamilyID)
	}
	return s.issue(ctx, user, rec.FamilyID)
}

func (s *Service) revoke(ctx context.Context, familyID string) error {
	if err := s.Sessions.RevokeFamily(ctx, familyID); err != nil {
		return err
	}
	return errBadRefresh
}

// Logout ends the session family of a refresh token. Unknown tokens are fine:
// logging out twice is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	rec, err := s.Sessions.RefreshByHash(ctx, hashToken(token))
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.Sessions.RevokeFamily(ctx, rec.FamilyID)
}

// ChangePassword lets a signed-in user set a new password. It ends every other
// session (the auth version changes) and returns a fresh pair for this one.
// Wrong old passwords count against the phone's login limit: a stolen access
// token must not become an unlimited password oracle. The failure that locks
// the phone also ends every session of the user.
func (s *Service) ChangePassword(ctx context.Context, scope auth.Scope, oldPassword, newPassword string) (Pair, error) {
	user, err := s.Users.GetUser(ctx, scope, scope.UserID())
	if err != nil {
		return Pair{}, err
	}
	settle, wait, ok, err := s.PhoneThrottle.Reserve(ctx, user.Phone)
	if err != nil {
		return Pair{}, err
	}
	if !ok {
		return Pair{}, tooManyAttempts(wait)
	}
	right := false
	var verifyErr error
	if err := s.Slots.Do(ctx, func() { right, _, verifyErr = auth.VerifyPassword(oldPassword, user.PasswordHash, s.Password) }); err != nil {
		settle(false)
		return Pair{}, err
	}
	if verifyErr != nil || !right {
		if settle(true) {
			return Pair{}, s.endSessions(ctx, scope, user)
		}
		return Pair{}, errs.Fields("原密码错误", errs.FieldError{Field: "oldPassword", Code: "wrong_password", Message: "原密码错误"})
	}
	settle(false)
	if err := org.CheckPassword("newPassword", newPassword, user.Phone); err != nil {
		return Pair{}, err
	}
	if newPassword == oldPassword {
		return Pair{}, errs.Fields("新密码不能与原密码相同", errs.FieldError{Field: "newPassword", Code: "unchanged", Message: "新密码不能与原密码相同"})
	}
	if user.PasswordHash, err = s.hash(ctx, newPassword); err != nil {
		return Pair{}, err
	}
	user.MustChangePassword, user.AuthVersion, user.UpdatedAt = false, user.AuthVersion+1, s.Now()
	if err := s.Users.UpdateUser(ctx, scope, user); err != nil {
		return Pair{}, err
	}
	if err := s.Audit.Record(ctx, user.ID, "password.change", user.UnitPath, user.ID, nil); err != nil {
		return Pair{}, err
	}
	user.Rev++
	return s.issue(ctx, user, ids.New(s.Now()))
}

// endSessions signs a user out everywhere after their old password was guessed
// at too often: the new auth version voids their refresh tokens, and access
// tokens stop working for changes at once.
func (s *Service) endSessions(ctx context.Context, scope auth.Scope, user org.User) error {
	user.AuthVersion, user.UpdatedAt = user.AuthVersion+1, s.Now()
	if err := s.Users.UpdateUser(ctx, scope, user); err != nil {
		return err
	}
	if err := s.Audit.Record(ctx, user.ID, "password.guessing", user.UnitPath, user.ID, nil); err != nil {
		return err
	}
	return &errs.Error{Code: errs.TooManyRequests, Message: "原密码错误次数过多，已退出所有登录，请稍后重新登录",
		RetryAfter: s.PhoneThrottle.Lock}
}

// issue signs an access token and stores a new refresh token in family.
func (s *Service) issue(ctx context.Context, user org.User, familyID string) (Pair, error) {
	access, err := s.Tokens.Issue(user.ID, user.UnitID, user.Roles, user.MustChangePassword, user.AuthVersion)
	if err != nil {
		return Pair{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Pair{}, err
	}
	refresh := base64.RawURLEncoding.EncodeToString(secret)
	now := s.Now()
	err = s.Sessions.InsertRefresh(ctx, RefreshToken{Hash: hashToken(refresh), FamilyID: familyID, UserID: user.ID,
		AuthVersion: user.AuthVersion, CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)})
	if err != nil {
		return Pair{}, err
	}
	return Pair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.Tokens.TTL(), User: user}, nil
}

// hashToken is what the store keeps: a refresh token is 256 random bits, so a
// plain SHA-256 (no salt, no stretching) cannot be reversed.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignInVia signs in, without a password, the user whose mobile number
// another platform (企业微信, 钉钉) vouched for: an ordinary session, with
// the same tokens and scope. No active user with that number is 403.
func (s *Service) SignInVia(ctx context.Context, platform, rawPhone, clientIP string) (Pair, error) {
	refused := errs.New(errs.Forbidden, platform+"账号未关联台账中的在用账号：请确认手机号与台账登记的一致，或联系管理员")
	phone, err := org.NormalizePhone(rawPhone)
	if err != nil {
		return Pair{}, refused
	}
	user, err := s.Users.UserByPhone(ctx, phone)
	return s.signedInVia(ctx, platform, user, err, clientIP, refused)
}

// SignInAs signs in, without a password, the user another platform's member
// was known as before (the member id stored at an earlier sign-in).
func (s *Service) SignInAs(ctx context.Context, platform, userID, clientIP string) (Pair, error) {
	user, err := s.Users.UserByID(ctx, userID)
	return s.signedInVia(ctx, platform, user, err, clientIP, errs.New(errs.Forbidden, platform+"账号关联的台账账号已停用，请联系管理员"))
}

func (s *Service) signedInVia(ctx context.Context, platform string, user org.User, err error, clientIP string, refused error) (Pair, error) {
	if errs.Is(err, errs.NotFound) || err == nil && !user.Active {
		return Pair{}, refused
	}
	if err != nil {
		return Pair{}, err
	}
	if err := s.Users.RecordLogin(ctx, user.ID, s.Now(), ""); err != nil {
		return Pair{}, err
	}
	if err := s.Audit.Record(ctx, user.ID, "login", user.UnitPath, user.ID, map[string]any{"ip": clientIP, "via": platform}); err != nil {
		return Pair{}, err
	}
	return s.issue(ctx, user, ids.New(s.Now()))
}
