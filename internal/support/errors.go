package support

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies a domain error. The HTTP layer maps each code to a status in exactly one place.
type Code string

// Error codes returned by the services. Anything that is not an *Error is internal.
const (
	CodeInvalid      Code = "invalid"      // a field fails validation (422)
	CodeBadRequest   Code = "bad_request"  // the request as a whole is malformed (400)
	CodeUnauthorized Code = "unauthorized" // missing or bad credentials (401)
	CodeForbidden    Code = "forbidden"    // authenticated but not allowed (403)
	CodeNotFound     Code = "not_found"    // missing, or not visible to the caller (404)
	CodeConflict     Code = "conflict"     // unique constraint or state conflict (409)
	CodeStale        Code = "stale"        // the caller's If-Match names an older version (412)
	CodeTooLarge     Code = "too_large"    // a file or the caller's stored files past a limit (413)
	CodeRateLimited  Code = "rate_limited" // quota exhausted (429)
	CodeUnavailable  Code = "unavailable"  // a dependency is down; retry later (503)
	CodeInternal     Code = "internal"     // a bug or unexpected failure (500)
)

// FieldError names one offending input field.
type FieldError struct {
	Field   string
	Message string
	Value   any
}

// Error is the one domain error type. Message is safe to show to clients.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration // for CodeRateLimited and CodeUnavailable
	Err        error         // the underlying cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Invalid returns a validation error listing every offending field.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: "validation failed", Fields: fields}
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = Errorf(CodeNotFound, "not found")

// ErrDuplicateEmail is returned when an email is already registered.
var ErrDuplicateEmail = Errorf(CodeConflict, "email already registered")
