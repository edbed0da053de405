package api

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
)

// problem is an RFC 9457 problem document, extended with a machine code, per-field
// errors the PWA shows next to each field, and the request id to quote to support.
type problem struct {
	retryAfter time.Duration

	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Code      errs.Code         `json:"code"`
	Errors    []errs.FieldError `json:"errors"`
	RequestID string            `json:"requestId,omitempty"`
}

// statusOf is the one mapping from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:             http.StatusBadRequest,
	errs.Unprocessable:       http.StatusUnprocessableEntity,
	errs.PreconditionNeeded:  http.StatusPreconditionRequired,
	errs.NotFound:            http.StatusNotFound,
	errs.Conflict:            http.StatusConflict,
	errs.Duplicate:           http.StatusConflict,
	errs.PreconditionFailed:  http.StatusPreconditionFailed,
	errs.Unauthorized:        http.StatusUnauthorized,
	errs.Forbidden:           http.StatusForbidden,
	errs.PasswordChange:      http.StatusForbidden,
	errs.TooManyRequests:     http.StatusTooManyRequests,
	errs.TooLarge:            http.StatusRequestEntityTooLarge,
	errs.RangeNotSatisfiable: http.StatusRequestedRangeNotSatisfiable,
	errs.Unsupported:         http.StatusUnsupportedMediaType,
	errs.Unavailable:         http.StatusServiceUnavailable,
	errs.Internal:            http.StatusInternalServerError,
}

// fiberCodes translates errors raised by Fiber itself (routing, body limit, timeouts).
var fiberCodes = map[int]struct {
	code    errs.Code
	message string
}{
	http.StatusBadRequest:            {errs.Invalid, "请求格式错误"},
	http.StatusNotFound:              {errs.NotFound, "请求的资源不存在"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "不支持该请求方法"},
	http.StatusRequestEntityTooLarge: {errs.TooLarge, "请求内容过大"},
	http.StatusUnsupportedMediaType:  {errs.Unsupported, "不支持的内容类型"},
	http.StatusRequestTimeout:        {"timeout", "请求超时，请重试"},
	http.StatusTooManyRequests:       {"too_many_requests", "请求过于频繁，请稍后再试"},
	http.StatusServiceUnavailable:    {errs.Unavailable, "服务暂不可用，请稍后重试"},
}

// toProblem converts any error into the problem to send. Unknown errors become a
// bare 500: their text may hold SQL, paths or secrets, so it is only logged.
func toProblem(err error) (p problem, unexpected bool) {
	var appErr *errs.Error
	var fiberErr *fiber.Error
	switch {
	case errors.As(err, &appErr):
		status, ok := statusOf[appErr.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		p = problem{Status: status, Code: appErr.Code, Detail: appErr.Message, Errors: appErr.Fields, retryAfter: appErr.RetryAfter}
	case errors.As(err, &fiberErr):
		known, ok := fiberCodes[fiberErr.Code]
		if !ok {
			known.code, known.message = errs.Code(http.StatusText(fiberErr.Code)), "请求失败"
		}
		p = problem{Status: fiberErr.Code, Code: known.code, Detail: known.message}
	default:
		p = problem{Status: http.StatusInternalServerError, Code: errs.Internal, Detail: "服务器内部错误"}
		unexpected = true
	}
	p.Type = "urn:taizhang:problem:" + string(p.Code)
	p.Title = http.StatusText(p.Status)
	if p.Errors == nil {
		p.Errors = []errs.FieldError{}
	}
	return p, unexpected
}

// errorHandler is the only place that writes error responses.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p, unexpected := toProblem(err)
		p.RequestID = requestID(c)
		if unexpected {
			log.Error("internal error", "request_id", p.RequestID, "method", c.Method(),
				"path", c.Path(), "err", err)
		}
		switch {
		case p.retryAfter > 0:
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(p.retryAfter.Seconds()))))
		case p.Status == http.StatusServiceUnavailable:
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		c.Status(p.Status)
		c.Set(fiber.HeaderContentType, "application/problem+json; charset=utf-8")
		return c.JSON(p, "application/problem+json; charset=utf-8")
	}
}
