package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
)

// healthz says the process is alive; it touches no dependency, so a slow database
// never gets a healthy process restarted.
func healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether this instance can serve: it pings the store (503 when down),
// so load balancers drain it while the database is away and return when it is back.
func (s *server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, "数据库暂不可用", err)
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
