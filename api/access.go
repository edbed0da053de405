package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/org"
)

// Access says who may call a route. Every route in the table states one.
type Access struct {
	Public bool        // no token needed
	Roles  []auth.Role // empty: any signed-in user; otherwise any one of these
	// DuringPasswordChange lets a user who must change their password call the
	// route anyway (only /me and /me/password).
	DuringPasswordChange bool
	// Note says who may call a public route that its handler restricts itself.
	Note string
}

var (
	public          = Access{Public: true}
	operators       = Access{Public: true, Note: "this host, or a bearer of `TAIZHANG_METRICS_TOKEN`"}
	signedIn        = Access{}
	passwordChange  = Access{DuringPasswordChange: true}
	admins          = Access{Roles: []auth.Role{auth.RoleAdmin}}
	userDirectories = Access{Roles: []auth.Role{auth.RoleAdmin, auth.RoleOffice, auth.RoleSupervisor}}
	auditors        = Access{Roles: []auth.Role{auth.RoleAdmin, auth.RoleOffice}}
)

const scopeKey = "taizhang.scope"

// callerKey holds the caller's account as read this request (on writes, by
// stillCurrent), so that naming them takes no second read.
const callerKey = "taizhang.caller"

// guard enforces a route's Access before its handler runs: a valid bearer token
// (401 otherwise), no pending password change (403 password_change_required), and
// one of the route's roles (403). The verified scope is the only one handlers see.
func (s *server) guard(access Access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if access.Public {
			return c.Next()
		}
		raw, found := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if !found || raw == "" {
			return errs.New(errs.Unauthorized, "请先登录")
		}
		claims, err := s.deps.Tokens.Verify(raw)
		if err != nil {
			return err
		}
		if claims.MustChangePassword && !access.DuringPasswordChange {
			return errs.New(errs.PasswordChange, "首次登录或密码被重置后，请先修改密码")
		}
		scope := claims.Scope()
		if len(access.Roles) > 0 && !hasAny(scope, access.Roles) {
			return errs.New(errs.Forbidden, "没有权限执行此操作")
		}
		c.SetUserContext(org.OneVersionsRead(c.UserContext()))
		if changesState(c.Method()) {
			user, err := s.stillCurrent(c, claims)
			if err != nil {
				return err
			}
			c.Locals(callerKey, user)
		}
		c.Locals(scopeKey, scope)
		return c.Next()
	}
}

func changesState(method string) bool {
	return method != fiber.MethodGet && method != fiber.MethodHead && method != fiber.MethodOptions
}

// stillCurrent refuses a change made with a token issued before the user was
// deactivated or their roles, unit or password changed: a token lives 15
// minutes, and a deactivated supervisor must not approve for that long. Read
// from the store on every write (never from the token cache); reads keep the
// token's lifetime.
func (s *server) stillCurrent(c *fiber.Ctx, claims auth.Claims) (org.User, error) {
	user, err := s.deps.Users.UserByID(c.UserContext(), claims.UserID)
	if errs.Is(err, errs.NotFound) || (err == nil && (!user.Active || user.AuthVersion != claims.AuthVersion)) {
		return org.User{}, errs.New(errs.Unauthorized, "账号信息已变更，请重新登录")
	}
	return user, err
}

func hasAny(scope auth.Scope, roles []auth.Role) bool {
	for _, r := range roles {
		if scope.Has(r) {
			return true
		}
	}
	return false
}

// scopeOf returns the verified scope guard stored; on a public route it is the
// zero Scope, which every store treats as matching nothing.
func scopeOf(c *fiber.Ctx) auth.Scope {
	scope, _ := c.Locals(scopeKey).(auth.Scope)
	return scope
}
