package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
)

// bindJSON decodes a JSON request body into dst, strictly: the content type must be
// JSON, unknown fields and trailing data are refused. Every error is a 4xx problem,
// never a 500.
func bindJSON(c *fiber.Ctx, dst any) error {
	mediaType, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != fiber.MIMEApplicationJSON {
		return errs.New(errs.Unsupported, "请求内容须为 JSON（Content-Type: application/json）")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.New(errs.Invalid, "请求内容在 JSON 之后还有多余数据")
	}
	return nil
}

const unknownFieldPrefix = "json: unknown field "

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return errs.New(errs.Invalid, "请求内容为空")
	case errors.As(err, &typeErr):
		return errs.Fields("字段类型错误", errs.FieldError{Field: typeErr.Field, Code: "type",
			Message: "类型应为 " + typeErr.Type.String()})
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Invalid, "请求内容不是有效的 JSON")
	case strings.HasPrefix(err.Error(), unknownFieldPrefix):
		// encoding/json has no error type for this; its message is stable since Go 1.10.
		field := strings.Trim(strings.TrimPrefix(err.Error(), unknownFieldPrefix), `"`)
		return errs.Fields("请求含有未知字段", errs.FieldError{Field: field, Code: "unknown", Message: "未知字段"})
	}
	return errs.Wrap(errs.Invalid, "请求内容无法解析", err)
}
