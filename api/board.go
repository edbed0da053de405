package api

import (
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"taizhang/auth"
	"taizhang/errs"
)

// The public commitment board (公开承诺): read without signing in, by anyone
// who scans a poster's QR code. Answers are cached (here and by browsers and
// proxies) and each address is limited, so a board cannot be used to load the
// store.

// publicBoard answers a unit's board.
func (s *server) publicBoard(c *fiber.Ctx) error {
	if err := s.publicLimit.allow(s.clientIP(c), s.deps.Now()); err != nil {
		return err
	}
	page, err := s.deps.Board.Unit(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(page)
}

// publicPhoto serves the thumbnail of an evidence photo shown on a board, and
// nothing else.
func (s *server) publicPhoto(c *fiber.Ctx) error {
	if err := s.publicLimit.allow(s.clientIP(c), s.deps.Now()); err != nil {
		return err
	}
	ctx, slug, id := c.UserContext(), c.Params("slug"), c.Params("id")
	shown, err := s.deps.Board.Shows(ctx, slug, id)
	if err != nil {
		return err
	}
	if !shown {
		return errs.New(errs.NotFound, "照片不存在")
	}
	root, err := s.deps.Board.RootOf(ctx)
	if err != nil {
		return err
	}
	a, body, err := s.deps.Attachments.OpenThumb(ctx, auth.SystemScope(root), id)
	if errs.Is(err, errs.NotFound) && a.ID != "" {
		a, body, err = s.deps.Attachments.Open(ctx, auth.SystemScope(root), id) // a small photo is its own thumbnail
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Response().SetBodyStream(body, int(a.Size))
	return nil
}

// publicQR is the board's address as a QR code (PNG), for the unit to print
// and post.
func (s *server) publicQR(c *fiber.Ctx) error {
	if err := s.publicLimit.allow(s.clientIP(c), s.deps.Now()); err != nil {
		return err
	}
	slug := c.Params("slug")
	if _, err := s.deps.Board.Unit(c.UserContext(), slug); err != nil {
		return err
	}
	base := strings.TrimSuffix(s.deps.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	png, err := qrcode.Encode(base+"/p/"+slug, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

// rateLimit allows each client address perMinute requests a minute.
type rateLimit struct {
	perMinute int
	mu        sync.Mutex
	window    time.Time
	counts    map[string]int
}

func (r *rateLimit) allow(ip string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if minute := now.Truncate(time.Minute); !minute.Equal(r.window) {
		r.window, r.counts = minute, map[string]int{}
	}
	r.counts[ip]++
	if r.counts[ip] > r.perMinute {
		return &errs.Error{Code: errs.TooManyRequests, Message: "访问过于频繁，请稍后再试",
			RetryAfter: r.window.Add(time.Minute).Sub(now)}
	}
	return nil
}

// publicPerMinute is what one address may ask of the public board in a
// minute: a page, its photos and its QR code, several times over.
const publicPerMinute = 120
