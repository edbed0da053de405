package api

import (
	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
	"taizhang/push"
)

// pushKey answers the VAPID public key a browser subscribes with.
func (s *server) pushKey(c *fiber.Ctx) error {
	if s.deps.PushKey == "" {
		return errs.New(errs.Unavailable, "本服务器未开启消息推送")
	}
	return c.JSON(fiber.Map{"publicKey": s.deps.PushKey})
}

// subscriptionJSON is what PushSubscription.toJSON() gives.
type subscriptionJSON struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	ExpirationTime any `json:"expirationTime"`
}

func (s *server) subscribePush(c *fiber.Ctx) error {
	var in subscriptionJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sub := push.Subscription{Endpoint: in.Endpoint, UserID: scopeOf(c).UserID(), P256dh: in.Keys.P256dh, Auth: in.Keys.Auth, CreatedAt: s.deps.Now()}
	if err := push.Check(sub); err != nil {
		return err
	}
	if err := s.deps.Push.SaveSubscription(c.UserContext(), sub); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"endpoint": sub.Endpoint, "createdAt": sub.CreatedAt})
}

func (s *server) unsubscribePush(c *fiber.Ctx) error {
	var in struct {
		Endpoint string `json:"endpoint"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.deps.Push.DeleteSubscription(c.UserContext(), scopeOf(c).UserID(), in.Endpoint); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listPush answers the caller's subscriptions (which browsers get pushes).
func (s *server) listPush(c *fiber.Ctx) error {
	subs, err := s.deps.Push.Subscriptions(c.UserContext(), scopeOf(c).UserID())
	if err != nil {
		return err
	}
	items := make([]fiber.Map, len(subs))
	for i, sub := range subs {
		items[i] = fiber.Map{"endpoint": sub.Endpoint, "createdAt": sub.CreatedAt}
	}
	return c.JSON(fiber.Map{"items": items})
}
