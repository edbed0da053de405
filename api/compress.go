package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// compressAnswers compresses text answers, by what they are.
//
// The API's JSON and CSV go out as gzip at its fastest level (nginx's
// default), even when the client also takes brotli: every filing, list and
// review answer pays for it, on CPU shared by everyone at the Friday
// deadline. `go test -run '^$' -bench CompressAnswers ./api/` measures the
// choice on a filing's answer and a review page.
//
// The PWA's own files go to each phone once per release and are kept by its
// service worker: there brotli's smaller result is worth its time.
//
// Files people attached (PDF, Word, Excel), exports (xlsx) and photos are
// sent as they are: they are compressed already, compressing them again on
// the fly drops the Content-Length a phone shows download progress with, and
// a compressed answer to a Range request would not be the bytes it asked for.
func compressAnswers() fiber.Handler {
	keep := func(*fasthttp.RequestCtx) {} // the answer is already written
	api := fasthttp.CompressHandlerLevel(keep, fasthttp.CompressBestSpeed)
	files := fasthttp.CompressHandlerBrotliLevel(keep, fasthttp.CompressBrotliDefaultCompression, fasthttp.CompressDefaultCompression)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err // the error handler writes the answer, uncompressed
		}
		res := c.Response()
		if res.StatusCode() == fiber.StatusPartialContent || !isText(string(res.Header.ContentType())) {
			return nil
		}
		if strings.HasPrefix(c.Path(), "/api/") {
			api(c.Context())
		} else {
			files(c.Context())
		}
		return nil
	}
}

// isText reports whether a media type is text that compresses: JSON, CSV,
// HTML, scripts, styles, the manifest, SVG.
func isText(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	media = strings.TrimSpace(strings.ToLower(media))
	switch {
	case strings.HasPrefix(media, "text/"), strings.HasSuffix(media, "+json"), strings.HasSuffix(media, "+xml"):
		return true
	}
	return media == fiber.MIMEApplicationJSON || media == "application/javascript" || media == fiber.MIMEApplicationXML
}
