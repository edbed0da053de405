package api

import (
	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
	"taizhang/session"
	"taizhang/wecom"
)

// oauthProviders lists the platforms the login page offers, each with where
// the browser goes to sign in (a fresh state in each).
func (s *server) oauthProviders(c *fiber.Ctx) error {
	providers := []fiber.Map{}
	if s.deps.WeCom != nil {
		state, err := s.deps.OAuthStates.New("wecom")
		if err != nil {
			return err
		}
		providers = append(providers, fiber.Map{"name": "wecom", "label": "企业微信登录",
			"authorizeUrl": s.deps.WeCom.AuthorizeURL(c.BaseURL()+"/login/wecom", state)})
	}
	if s.deps.DingTalk != nil {
		state, err := s.deps.OAuthStates.New("dingtalk")
		if err != nil {
			return err
		}
		providers = append(providers, fiber.Map{"name": "dingtalk", "label": "钉钉登录",
			"authorizeUrl": s.deps.DingTalk.AuthorizeURL(c.BaseURL()+"/login/dingtalk", state)})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"providers": providers})
}

// wecomCallback finishes a 企业微信 sign-in: the state must be ours, fresh
// and unused (400 otherwise); the member's mobile number must be an active
// user's (403 otherwise). Then an ordinary session.
func (s *server) wecomCallback(c *fiber.Ctx) error {
	if s.deps.WeCom == nil {
		return errs.New(errs.NotFound, "未开启企业微信登录")
	}
	var in struct {
		Code  string `json:"code"`
		State string `json:"state"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.deps.OAuthStates.Check(c.UserContext(), "wecom", in.State); err != nil {
		return err
	}
	member, err := s.deps.WeCom.UserIDByCode(c.UserContext(), in.Code)
	if err != nil {
		return errs.Wrap(errs.Invalid, "企业微信登录未完成，请重新登录", err)
	}
	pair, known, err := s.knownMember(c, member)
	if err != nil {
		return err
	}
	if known {
		return sendPair(c, pair)
	}
	phone, err := s.deps.WeCom.Mobile(c.UserContext(), member)
	if wecom.NotMember(err) {
		phone, err = "", nil
	}
	if err != nil {
		return errs.Wrap(errs.Unavailable, "暂时连接不上企业微信，请稍后重试", err)
	}
	pair, err = s.deps.Sessions.SignInVia(c.UserContext(), "企业微信", phone, s.clientIP(c))
	if err != nil {
		return err
	}
	if s.deps.Members != nil { // messages reach them by this account from now on
		if err := s.deps.Members.SetMemberID(c.UserContext(), "wecom", pair.User.ID, member); err != nil {
			return err
		}
	}
	return sendPair(c, pair)
}

// dingtalkCallback finishes a 钉钉 sign-in, as wecomCallback does.
func (s *server) dingtalkCallback(c *fiber.Ctx) error {
	if s.deps.DingTalk == nil {
		return errs.New(errs.NotFound, "未开启钉钉登录")
	}
	var in struct {
		Code  string `json:"code"`
		State string `json:"state"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.deps.OAuthStates.Check(c.UserContext(), "dingtalk", in.State); err != nil {
		return err
	}
	phone, err := s.deps.DingTalk.MobileByCode(c.UserContext(), in.Code)
	if err != nil {
		return errs.Wrap(errs.Invalid, "钉钉登录未完成，请重新登录", err)
	}
	pair, err := s.deps.Sessions.SignInVia(c.UserContext(), "钉钉", phone, s.clientIP(c))
	if err != nil {
		return err
	}
	return sendPair(c, pair)
}

// knownMember signs in the user a 企业微信 member was stored for at an
// earlier sign-in (known false when there is none): that user, whatever
// the member's number is now.
func (s *server) knownMember(c *fiber.Ctx, member string) (session.Pair, bool, error) {
	if s.deps.Members == nil {
		return session.Pair{}, false, nil
	}
	userID, err := s.deps.Members.UserOfMember(c.UserContext(), "wecom", member)
	if err != nil || userID == "" {
		return session.Pair{}, false, err
	}
	pair, err := s.deps.Sessions.SignInAs(c.UserContext(), "企业微信", userID, s.clientIP(c))
	return pair, err == nil, err
}
