package api

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"taizhang/attachments"
	"taizhang/errs"
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
	a, err := attachments.Receive(c.UserContext(), s.deps.Attachments, scopeOf(c), path, file, s.deps.MaxUpload, s.deps.Now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// getAttachment streams the bytes to the uploader, or to anyone who can read an
// entry that references the attachment; everyone else gets 404.
func (s *server) getAttachment(c *fiber.Ctx) error {
	a, body, err := s.deps.Attachments.Open(c.UserContext(), scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	defer body.Close()
	c.Set(fiber.HeaderContentType, a.ContentType)
	// The id names fixed content; private because access depends on who asks.
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, `"`+a.SHA256+`"`)
	if !a.IsImage() {
		c.Set(fiber.HeaderContentDisposition, "attachment")
	}
	_, err = io.Copy(c.Response().BodyWriter(), body)
	return err
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
	u, err := s.deps.Chunks.Start(scopeOf(c).UserID(), in.SHA256, in.Size)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *server) uploadStatus(c *fiber.Ctx) error {
	u, err := s.deps.Chunks.Status(scopeOf(c).UserID(), c.Params("uploadId"))
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
	u, err := s.deps.Chunks.Append(scope.UserID(), c.Params("uploadId"), r, c.Body())
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
	err = s.deps.Chunks.Complete(u, func(r io.Reader) error {
		a, err = attachments.Receive(c.UserContext(), s.deps.Attachments, scope, path, r, s.deps.MaxUpload, s.deps.Now())
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}
