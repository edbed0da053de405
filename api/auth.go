package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/entries"
	"taizhang/org"
	"taizhang/session"
)

type userJSON struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	Phone              string     `json:"phone"`
	UnitID             string     `json:"unitId"`
	Roles              []string   `json:"roles"`
	Active             bool       `json:"active"`
	MustChangePassword bool       `json:"mustChangePassword"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	LastLoginAt        *time.Time `json:"lastLoginAt"`
}

func toUserJSON(u org.User) userJSON {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	var last *time.Time
	if !u.LastLoginAt.IsZero() {
		last = &u.LastLoginAt
	}
	return userJSON{ID: u.ID, Name: u.Name, Phone: u.Phone, UnitID: u.UnitID, Roles: roles, Active: u.Active,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: last}
}

type pairJSON struct {
	AccessToken  string   `json:"accessToken"`
	RefreshToken string   `json:"refreshToken"`
	ExpiresIn    int      `json:"expiresIn"` // seconds
	User         userJSON `json:"user"`
}

// sendPair answers with tokens, which no cache (browser, proxy, service worker)
// may keep.
func sendPair(c *fiber.Ctx, p session.Pair) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return c.JSON(toPairJSON(p))
}

func toPairJSON(p session.Pair) pairJSON {
	return pairJSON{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, ExpiresIn: int(p.ExpiresIn.Seconds()),
		User: toUserJSON(p.User)}
}

func (s *server) login(c *fiber.Ctx) error {
	var in struct {
		Phone    string `json:"phone"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	pair, err := s.deps.Sessions.Login(c.UserContext(), in.Phone, in.Password, s.clientIP(c))
	if err != nil {
		return err
	}
	return sendPair(c, pair)
}

type refreshBody struct {
	RefreshToken string `json:"refreshToken"`
}

func (s *server) refresh(c *fiber.Ctx) error {
	var in refreshBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	pair, err := s.deps.Sessions.Refresh(c.UserContext(), in.RefreshToken)
	if err != nil {
		return err
	}
	return sendPair(c, pair)
}

func (s *server) logout(c *fiber.Ctx) error {
	var in refreshBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.deps.Sessions.Logout(c.UserContext(), in.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *server) me(c *fiber.Ctx) error {
	scope := scopeOf(c)
	user, err := s.deps.Users.GetUser(c.UserContext(), scope, scope.UserID())
	if err != nil {
		return err
	}
	return c.JSON(toUserJSON(user))
}

// myCounts is what the tab bar's badges show: entries waiting for the caller's
// review, the caller's returned entries and unread messages (each up to 100).
func (s *server) myCounts(c *fiber.Ctx) error {
	ctx, scope := c.UserContext(), scopeOf(c)
	reviews, err := s.deps.Entries.Waiting(ctx, scope)
	if err != nil {
		return err
	}
	returned, err := s.deps.Entries.Count(ctx, scope, entries.Query{AuthorID: scope.UserID(), Status: "returned"}, false)
	if err != nil {
		return err
	}
	unread, err := s.deps.Notifications.ListNotifications(ctx, scope, true, entries.MaxCounted)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reviews": reviews, "returned": returned, "unread": len(unread)})
}

func (s *server) changePassword(c *fiber.Ctx) error {
	var in struct {
		OldPassword string `json:"oldPassword"`
		NewPassword string `json:"newPassword"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	pair, err := s.deps.Sessions.ChangePassword(c.UserContext(), scopeOf(c), in.OldPassword, in.NewPassword)
	if err != nil {
		return err
	}
	return sendPair(c, pair)
}
