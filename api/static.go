package api

import (
	"errors"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
)

// noCacheFiles must be revalidated on every load: they name the hashed assets, so a
// stale copy would pin users to an old release (and its service worker) forever.
var noCacheFiles = map[string]bool{
	"index.html": true, "sw.js": true, "registerSW.js": true, "manifest.webmanifest": true,
}

// serveUI serves the built PWA. Hashed files under assets/ are immutable; any other
// path that is not a file gets index.html so client-side routes survive a reload.
// Unknown /api/ paths stay API 404s.
func serveUI(ui fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
		if strings.HasPrefix(name, "api/") || name == "api" {
			return errs.New(errs.NotFound, "接口不存在")
		}
		if name == "" {
			name = "index.html"
		}
		body, err := fs.ReadFile(ui, name)
		if errors.Is(err, fs.ErrNotExist) && path.Ext(name) == "" {
			name = "index.html"
			body, err = fs.ReadFile(ui, name)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return errs.New(errs.NotFound, "文件不存在")
		}
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(name, "assets/"):
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		case noCacheFiles[name]:
			c.Set(fiber.HeaderCacheControl, "no-cache")
		default:
			c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		}
		contentType := mime.TypeByExtension(path.Ext(name))
		if path.Ext(name) == ".webmanifest" {
			contentType = "application/manifest+json"
		}
		if contentType == "" {
			contentType = fiber.MIMEOctetStream
		}
		c.Set(fiber.HeaderContentType, contentType)
		return c.Send(body)
	}
}
