package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/zstd"
	"github.com/valyala/fasthttp"
)

// compressAnswers compresses text answers, by what they are.
//
// The API's JSON goes out as zstd at its fastest level to a client that
// takes it (phones' browsers do; Chromium even over plain HTTP), else as
// gzip at its fastest (nginx's default), even when the client also takes
// brotli: every filing, list and review answer pays for it, on CPU shared
// by everyone at the Friday deadline. zstd costs a third of gzip's time for the same size in
// `go test -run '^$' -bench CompressAnswers ./api/` (a filing's answer and
// a review page), and about four fifths in the server's profile, where its
// tables are cold between answers. A streamed answer (a CSV export) goes
// as gzip: it is compressed as it is sent.
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
		switch {
		case !strings.HasPrefix(c.Path(), "/api/"):
			files(c.Context())
		case c.Context().Request.Header.HasAcceptEncoding("zstd") && !res.IsBodyStream():
			answerZstd(res)
		default:
			api(c.Context())
		}
		return nil
	}
}

// answerEncoder compresses answers. EncodeAll may be called from many
// requests at once.
var answerEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))

// minCompressed is the shortest answer worth compressing, as fasthttp has it
// for gzip: below it the frame's overhead eats what little is saved.
const minCompressed = 200

// answerZstd compresses a whole answer held in memory as zstd, in one frame
// that states its size (a browser decodes it with no more memory than that).
func answerZstd(res *fasthttp.Response) {
	body := res.Body()
	if len(body) < minCompressed || len(res.Header.ContentEncoding()) > 0 {
		return
	}
	res.SetBodyRaw(answerEncoder.EncodeAll(body, make([]byte, 0, len(body)/2)))
	res.Header.SetContentEncoding("zstd")
	res.Header.Add(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
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
