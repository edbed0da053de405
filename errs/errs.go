// Package errs defines the one error type taizhang uses across layers: a machine
// code, a message safe to show a user, and per-field details. The HTTP layer maps it
// to an RFC 9457 problem response in exactly one place.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code is a machine-readable error class; clients switch on it.
type Code string

// The codes every layer may return. The HTTP status for each lives in the api package.
const (
	Invalid             Code = "invalid"             // the input is wrong; see Fields
	Unprocessable       Code = "unprocessable"       // well-formed, but the form's rules refuse it; see Fields
	NotFound            Code = "not_found"           // absent, or outside the caller's scope
	Conflict            Code = "conflict"            // the state changed under the caller
	Duplicate           Code = "duplicate"           // a unique key already exists
	PreconditionFailed  Code = "precondition_failed" // If-Match revision is stale
	PreconditionNeeded  Code = "precondition_required"
	Unauthorized        Code = "unauthorized" // no or bad credentials
	Forbidden           Code = "forbidden"    // authenticated, not allowed
	PasswordChange      Code = "password_change_required"
	TooManyRequests     Code = "too_many_requests"     // throttled; see RetryAfter
	TooLarge            Code = "too_large"             // a size limit was exceeded
	RangeNotSatisfiable Code = "range_not_satisfiable" // a byte range beyond the end of a file
	Unsupported         Code = "unsupported_media_type"
	Unavailable         Code = "unavailable" // a dependency (the store) is down
	Internal            Code = "internal"    // a bug; details are logged, never shown
)

// FieldError points at one input field by its path, e.g. "measures[2].deadline".
type FieldError struct {
	Field   string         `json:"field"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

// Error is the application error. Message is user-safe (zh-CN); Err, the cause, is not.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	Err        error
	RetryAfter time.Duration // for TooManyRequests and Unavailable: when to try again
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a user-safe message.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Wrap keeps cause for logs while showing only message to the user.
func Wrap(code Code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// Fields returns an Invalid error carrying per-field details.
func Fields(message string, fields ...FieldError) *Error {
	return &Error{Code: Invalid, Message: message, Fields: fields}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	return err != nil && CodeOf(err) == code
}
