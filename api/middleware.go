package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
)

// requestID returns the id the requestid middleware assigned (or accepted).
func requestID(c *fiber.Ctx) string {
	return c.GetRespHeader(fiber.HeaderXRequestID)
}

// observe turns a handler error into its problem response right here (so the status
// is known), then logs and counts the request. It never logs bodies, query strings
// or headers: they can carry tokens, passwords and personal data.
func observe(log *slog.Logger, metrics *Metrics, onError fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := onError(c, err); herr != nil {
				return herr
			}
		}
		took := time.Since(start)
		route := c.Route().Path
		if len(c.Route().Handlers) == 0 {
			route = "unmatched" // never a raw path: it would explode the metric's cardinality
		}
		status := c.Response().StatusCode()
		metrics.observeRequest(c.Method(), route, status, took)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.UserContext(), level, "request", "request_id", requestID(c), "method", c.Method(),
			"route", route, "status", status, "duration_ms", float64(took.Microseconds())/1000)
		return nil
	}
}

// contentSecurityPolicy fits the PWA: everything from our own origin, images also
// from data: and blob: (camera previews), fonts also from data: (the icon font is
// inlined in the component library's CSS), inline styles for the component library,
// no inline scripts, and no framing at all (clickjacking).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	h.Set(fiber.HeaderPermissionsPolicy, "camera=(self), geolocation=(self), microphone=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	return c.Next()
}
