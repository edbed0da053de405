// Package api is taizhang's HTTP surface on Fiber: routing, the one error-to-HTTP
// mapping, logging, metrics and the embedded PWA. Handlers parse the request, call
// the domain with the request's context and map the result; nothing below this
// package sees Fiber.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"taizhang/attachments"
	"taizhang/audit"
	"taizhang/auth"
	"taizhang/board"
	"taizhang/dingtalk"
	"taizhang/entries"
	"taizhang/export"
	"taizhang/formimport"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/notify"
	"taizhang/oauth"
	"taizhang/org"
	"taizhang/orgimport"
	"taizhang/push"
	"taizhang/remind"
	"taizhang/reports"
	"taizhang/session"
	"taizhang/wecom"
)

// Deps is what the HTTP layer needs from the rest of the program.
type Deps struct {
	Entries       *entries.Service
	AuditStore    audit.Store
	Attachments   attachments.Store
	Chunks        *attachments.Chunks
	MaxUpload     int64
	Notifications notify.Store
	Now           func() time.Time
	Units         org.UnitStore
	Tree          *org.TreeCache
	Users         org.UserStore
	Org           *org.Service
	Sessions      *session.Service
	Tokens        *auth.Tokens
	Importer      *orgimport.Importer
	EntryImporter *formimport.Importer
	Forms         *forms.Service
	Reports       *reports.Service
	Ledger        *ledger.Service
	Exports       *export.Jobs
	// Push keeps browsers' push subscriptions; PushKey is the VAPID public
	// key they subscribe with ("": pushes off).
	Push    push.Store
	PushKey string
	// WeCom, when set, signs people in through 企业微信; OAuthStates makes
	// and checks the sign-ins' states.
	WeCom    *wecom.Client
	DingTalk *dingtalk.Client
	// Robots keeps units' group robots, which take escalations; Members who
	// users are on 企业微信, learned at sign-in.
	Robots      remind.Robots
	Members     remind.Members
	OAuthStates *oauth.States
	// OpenRounds materializes the rounds a form change opened, so the ledger
	// shows a new assignment's units at once rather than at the next minute's
	// sweep. Nil: the sweep alone.
	OpenRounds  func(ctx context.Context) (int, error)
	Ready       func(ctx context.Context) error // the store's ping, for /readyz
	Log         *slog.Logger
	Metrics     *Metrics
	UI          fs.FS // the built PWA (or a placeholder page)
	BodyLimit   int
	CORSOrigins []string
	// TrustedProxies may tell the client's address in X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// MetricsToken, when set, lets a scraper off this host read /metrics.
	MetricsToken string
	// Board is the public commitment board; PublicURL, when set, is where its
	// QR codes point (else the address the request came to).
	Board     *board.Board
	PublicURL string
}

type server struct {
	deps Deps
	// publicLimit bounds what one address may ask of the public board.
	publicLimit *rateLimit
}

// Route is one entry of the route table. Every route states its access, so a
// reviewer (and the authorization matrix test) sees it in one place.
type Route struct {
	Method  string
	Path    string
	Access  Access
	handler fiber.Handler
}

// Routes is the whole API, in one table.
func (s *server) Routes() []Route {
	return []Route{
		{fiber.MethodGet, "/healthz", public, healthz},
		{fiber.MethodGet, "/readyz", public, s.readyz},
		{fiber.MethodGet, "/metrics", operators, s.metrics(s.deps.Metrics.handler())},

		{fiber.MethodGet, "/api/v1/public/:slug", public, s.publicBoard},
		{fiber.MethodGet, "/api/v1/public/:slug/photos/:id", public, s.publicPhoto},
		{fiber.MethodGet, "/api/v1/public/:slug/qr.png", public, s.publicQR},
		{fiber.MethodPost, "/api/v1/auth/login", public, s.login},
		{fiber.MethodPost, "/api/v1/auth/refresh", public, s.refresh},
		{fiber.MethodPost, "/api/v1/auth/logout", public, s.logout},
		{fiber.MethodGet, "/api/v1/auth/oauth", public, s.oauthProviders},
		{fiber.MethodPost, "/api/v1/auth/wecom/callback", public, s.wecomCallback},
		{fiber.MethodPost, "/api/v1/auth/dingtalk/callback", public, s.dingtalkCallback},
		{fiber.MethodGet, "/api/v1/me", passwordChange, s.me},
		{fiber.MethodPost, "/api/v1/me/password", passwordChange, s.changePassword},
		{fiber.MethodGet, "/api/v1/me/counts", signedIn, s.myCounts},

		{fiber.MethodGet, "/api/v1/units", signedIn, s.listUnits},
		{fiber.MethodGet, "/api/v1/units/unreviewed", admins, s.unreviewedUnits},
		{fiber.MethodPost, "/api/v1/units", admins, s.createUnit},
		{fiber.MethodPatch, "/api/v1/units/:id", admins, s.updateUnit},
		{fiber.MethodPost, "/api/v1/units/:id/move", admins, s.moveUnit},
		{fiber.MethodGet, "/api/v1/units/:id/robots", admins, s.unitRobots},
		{fiber.MethodPut, "/api/v1/units/:id/robots", admins, s.setUnitRobots},
		{fiber.MethodGet, "/api/v1/users", userDirectories, s.listUsers},
		{fiber.MethodPost, "/api/v1/users", admins, s.createUser},
		{fiber.MethodPatch, "/api/v1/users/:id", admins, s.updateUser},
		{fiber.MethodPost, "/api/v1/users/:id/reset-password", admins, s.resetPassword},
		{fiber.MethodPost, "/api/v1/imports/units-users", admins, s.importUnitsUsers},
		{fiber.MethodGet, "/api/v1/imports/units-users/template", admins, s.importTemplate},

		{fiber.MethodGet, "/api/v1/form-templates", admins, s.formTemplates},
		{fiber.MethodPost, "/api/v1/forms", admins, s.createForm},
		{fiber.MethodGet, "/api/v1/forms", signedIn, s.listForms},
		{fiber.MethodGet, "/api/v1/forms/:id", signedIn, s.getForm},
		{fiber.MethodGet, "/api/v1/forms/:id/schema.json", signedIn, s.formJSONSchema},
		{fiber.MethodPut, "/api/v1/forms/:id/draft", admins, s.saveDraft},
		{fiber.MethodPost, "/api/v1/forms/:id/publish", admins, s.publishForm},
		{fiber.MethodPost, "/api/v1/forms/:id/archive", admins, s.archiveForm},
		{fiber.MethodPut, "/api/v1/forms/:id/assignments", admins, s.setAssignments},
		{fiber.MethodPost, "/api/v1/forms/:id/validate", signedIn, s.validateForm},

		{fiber.MethodPost, "/api/v1/forms/:formId/entries", signedIn, s.fileEntry},
		{fiber.MethodPost, "/api/v1/forms/:id/imports", auditors, s.importEntries},
		{fiber.MethodGet, "/api/v1/entries", signedIn, s.listEntries},
		{fiber.MethodGet, "/api/v1/entries/:id", signedIn, s.getEntry},
		{fiber.MethodPatch, "/api/v1/entries/:id", signedIn, s.editEntry},
		{fiber.MethodPost, "/api/v1/entries/:id/actions", signedIn, s.entryAction},
		{fiber.MethodPost, "/api/v1/entries/:id/signals/:index/explain", signedIn, s.explainSignal},
		{fiber.MethodPost, "/api/v1/attachments", signedIn, s.uploadAttachment},
		{fiber.MethodGet, "/api/v1/attachments/:id", signedIn, s.getAttachment},
		{fiber.MethodPost, "/api/v1/attachments/uploads", signedIn, s.startUpload},
		{fiber.MethodGet, "/api/v1/attachments/uploads/:uploadId", signedIn, s.uploadStatus},
		{fiber.MethodPatch, "/api/v1/attachments/uploads/:uploadId", signedIn, s.appendChunk},
		{fiber.MethodGet, "/api/v1/reports/compliance", signedIn, s.compliance},
		{fiber.MethodGet, "/api/v1/reports/obligations", signedIn, s.reportObligations},
		{fiber.MethodGet, "/api/v1/reports/summary", signedIn, s.summary},
		{fiber.MethodGet, "/api/v1/reports/overdue", signedIn, s.overdue},
		{fiber.MethodGet, "/api/v1/reports/briefing.xlsx", signedIn, s.briefing},
		{fiber.MethodGet, "/api/v1/forms/:id/export.:format", signedIn, s.exportEntries},
		{fiber.MethodPost, "/api/v1/exports", signedIn, s.startExport},
		{fiber.MethodGet, "/api/v1/exports", signedIn, s.listExports},
		{fiber.MethodGet, "/api/v1/exports/:id", signedIn, s.getExport},
		{fiber.MethodGet, "/api/v1/exports/:id/file", signedIn, s.exportFile},
		{fiber.MethodPost, "/api/v1/obligations/exemptions", auditors, s.exempt},
		{fiber.MethodDelete, "/api/v1/obligations/exemptions/:id", auditors, s.unexempt},
		{fiber.MethodGet, "/api/v1/audit", auditors, s.listAudit},
		{fiber.MethodGet, "/api/v1/notifications", signedIn, s.listNotifications},
		{fiber.MethodPost, "/api/v1/notifications/read", signedIn, s.readNotifications},
		{fiber.MethodGet, "/api/v1/push/key", signedIn, s.pushKey},
		{fiber.MethodGet, "/api/v1/push/subscriptions", signedIn, s.listPush},
		{fiber.MethodPost, "/api/v1/push/subscriptions", signedIn, s.subscribePush},
		{fiber.MethodDelete, "/api/v1/push/subscriptions", signedIn, s.unsubscribePush},
	}
}

// New builds the Fiber app. It does not listen: main does, and tests call app.Test.
func New(deps Deps) *fiber.App {
	return build(deps, func(*fiber.App) {})
}

// build lets tests add routes ahead of the PWA's catch-all route.
func build(deps Deps, addTestRoutes func(*fiber.App)) *fiber.App {
	s := &server{deps: deps, publicLimit: &rateLimit{perMinute: publicPerMinute}}
	onError := errorHandler(deps.Log)
	app := fiber.New(fiber.Config{
		AppName:               "taizhang",
		ErrorHandler:          onError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             deps.BodyLimit,
		Immutable:             true, // values from the request outlive the handler safely
		DisableStartupMessage: true,
	})
	app.Use(requestid.New())
	app.Use(observe(deps.Log, deps.Metrics, onError))
	app.Use(recover.New())
	app.Use(securityHeaders)
	app.Use(compressAnswers())
	if len(deps.CORSOrigins) > 0 {
		app.Use(cors.New(cors.Config{
			AllowOrigins:  strings.Join(deps.CORSOrigins, ","),
			AllowHeaders:  "Authorization, Content-Type, If-Match, X-Request-ID",
			ExposeHeaders: "ETag, X-Request-ID, Retry-After",
		}))
	}
	for _, r := range s.Routes() {
		app.Add(r.Method, r.Path, s.guard(r.Access), r.handler)
	}
	addTestRoutes(app)
	app.Get("/*", serveUI(deps.UI))
	return app
}
