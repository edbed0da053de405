package api

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/attachments"
	"taizhang/errs"
	"taizhang/signals"
)

// uploadAttachment takes multipart field "file". The same bytes from the same
// person always give the same id, so a phone may retry an upload freely.
func (s *server) uploadAttachment(c *fiber.Ctx) error {
	header, err := c.FormFile("file")
	if err != nil {
		return errs.Fields("请选择要上传的文件", errs.FieldError{Field: "file", Code: "required", Message: "请选择要上传的文件"})
	}
	if header.Size > s.deps.MaxUpload {
		return errs.New(errs.TooLarge, "文件过大")
	}
	file, err := header.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	path, _, err := s.deps.Tree.OwnPath(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	a, err := attachments.ReceiveClaimed(c.UserContext(), s.deps.Attachments, scopeOf(c), path, file, s.deps.MaxUpload, s.deps.Now(),
		claimedMeta(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// claimedMeta reads what the phone read from a photo's EXIF before it
// compressed it (form fields takenAt as RFC 3339, lat and lng in degrees).
// Anything unreadable is left out: it is evidence, never a reason to refuse.
func claimedMeta(c *fiber.Ctx) signals.Meta {
	var m signals.Meta
	if t, err := time.Parse(time.RFC3339, c.FormValue("takenAt")); err == nil {
		m.TakenAt = t.UTC()
	}
	lat, errLat := strconv.ParseFloat(c.FormValue("lat"), 64)
	lng, errLng := strconv.ParseFloat(c.FormValue("lng"), 64)
	if errLat == nil && errLng == nil {
		m.Lat, m.Lng, m.HasPlace = lat, lng, true
	}
	return m
}

// getAttachment streams the bytes to the uploader, or to anyone who can read an
// entry that references the attachment; everyone else gets 404.
func (s *server) getAttachment(c *fiber.Ctx) error {
	a, body, err := s.openAttachment(c)
	if err != nil {
		return err
	}
	streaming := false // once the response streams the body, it closes it
	defer func() {
		if !streaming {
			body.Close()
		}
	}()
	etag := `"` + a.SHA256 + `"`
	// The id names fixed content; private because access depends on who asks.
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	if match := c.Get(fiber.HeaderIfNoneMatch); match == etag || match == "*" || strings.Contains(match, etag) {
		return c.SendStatus(fiber.StatusNotModified) // the phone has it: nothing over the network again
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	if !a.IsImage() {
		c.Set(fiber.HeaderContentDisposition, "attachment")
	}
	start, end, partial, err := byteRange(c.Get(fiber.HeaderRange), a.Size)
	if err != nil {
		c.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(a.Size, 10))
		return err
	}
	if partial {
		if err := skipTo(body, start); err != nil {
			return err
		}
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, a.Size))
	}
	// Streamed from the blob store as the client reads: a 10 MB photo is
	// never held whole in the server's memory.
	n := end - start + 1
	c.Response().SetBodyStream(limitedBody{Reader: io.LimitReader(body, n), Closer: body}, int(n))
	streaming = true
	return nil
}

// limitedBody reads at most a range of a blob and closes the blob after.
type limitedBody struct {
	io.Reader
	io.Closer
}

// openAttachment opens the attachment the caller may read, or with
// ?size=thumb its thumbnail when it has one (else the original).
func (s *server) openAttachment(c *fiber.Ctx) (attachments.Attachment, io.ReadCloser, error) {
	if c.Query("size") == "thumb" {
		a, body, err := s.deps.Attachments.OpenThumb(c.UserContext(), scopeOf(c), c.Params("id"))
		if !errs.Is(err, errs.NotFound) || a.ID == "" {
			return a, body, err // the thumbnail, an error, or no such attachment for this caller
		}
	}
	return s.deps.Attachments.Open(c.UserContext(), scopeOf(c), c.Params("id"))
}

// skipTo moves body to offset: by seeking where the blob store can (an S3
// object is then fetched from there), else by reading past the start.
func skipTo(body io.Reader, offset int64) error {
	if seeker, ok := body.(io.Seeker); ok {
		_, err := seeker.Seek(offset, io.SeekStart)
		return err
	}
	_, err := io.CopyN(io.Discard, body, offset)
	return err
}

// byteRange reads a Range header of one range (bytes=a-b, a-, -n) of a file
// of size bytes; partial false means the whole file. A range that starts
// beyond the end is 416.
func byteRange(header string, size int64) (start, end int64, partial bool, err error) {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if header == "" || !ok || strings.Contains(spec, ",") {
		return 0, size - 1, false, nil // absent, another unit, or several ranges: the whole file
	}
	from, to, _ := strings.Cut(spec, "-")
	unsatisfiable := errs.New(errs.RangeNotSatisfiable, "请求的范围超出文件大小")
	switch {
	case from == "": // the last n bytes
		n, perr := strconv.ParseInt(to, 10, 64)
		if perr != nil || n <= 0 {
			return 0, size - 1, false, nil
		}
		return max(size-n, 0), size - 1, true, nil
	default:
		s, perr := strconv.ParseInt(from, 10, 64)
		if perr != nil {
			return 0, size - 1, false, nil
		}
		if s >= size {
			return 0, 0, false, unsatisfiable
		}
		e := size - 1
		if to != "" {
			if e2, perr := strconv.ParseInt(to, 10, 64); perr == nil && e2 < e {
				e = e2
			}
		}
		if e < s {
			return 0, 0, false, unsatisfiable
		}
		return s, e, true, nil
	}
}

// startUpload begins or resumes a chunked upload: {sha256, size} → {uploadId,
// offset}. Use it for large files on weak networks; small ones go in one POST.
func (s *server) startUpload(c *fiber.Ctx) error {
	var in struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Chunks.Start(c.UserContext(), scopeOf(c).UserID(), in.SHA256, in.Size)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *server) uploadStatus(c *fiber.Ctx) error {
	u, err := s.deps.Chunks.Status(c.UserContext(), scopeOf(c).UserID(), c.Params("uploadId"))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// appendChunk takes "Content-Range: bytes start-end/size" and the bytes. When the
// last byte arrives, the file is checked against its hash and stored: 201 with
// the attachment. Before that: 200 with the new offset.
func (s *server) appendChunk(c *fiber.Ctx) error {
	r, err := attachments.ParseRange(c.Get(fiber.HeaderContentRange))
	if err != nil {
		return err
	}
	scope := scopeOf(c)
	u, err := s.deps.Chunks.Append(c.UserContext(), scope.UserID(), c.Params("uploadId"), r, c.Body())
	if err != nil {
		return err
	}
	if u.Offset < u.Size {
		return c.JSON(u)
	}
	path, _, err := s.deps.Tree.OwnPath(c.UserContext(), scope)
	if err != nil {
		return err
	}
	var a attachments.Attachment
	err = s.deps.Chunks.Complete(c.UserContext(), u, func(r io.Reader) error {
		a, err = attachments.Receive(c.UserContext(), s.deps.Attachments, scope, path, r, s.deps.MaxUpload, s.deps.Now())
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}
