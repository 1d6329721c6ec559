// Package apierr is the one coded error type of Sendguard's APIs and the
// one place where a code becomes an HTTP status. The server, the Worker and
// the browser module all answer errors as {"error":{"code","message"}}.
// Standard library only, and no net/http: the browser module links it.
package apierr

import "encoding/json"

// Codes. They are part of the API contract.
const (
	Invalid          = "invalid"
	Unauthorized     = "unauthorized"
	Forbidden        = "forbidden"
	NotFound         = "not_found"
	Conflict         = "conflict"
	MethodNotAllowed = "method_not_allowed"
	TooLarge         = "too_large"
	RateLimited      = "rate_limited"
	Unavailable      = "unavailable"
	Internal         = "internal"
)

// Error is a coded API error. Messages never contain message content.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an *Error.
func New(code, message string) *Error { return &Error{Code: code, Message: message} }

// Status maps a code to its HTTP status. This is the only such mapping.
func Status(code string) int {
	switch code {
	case Invalid:
		return 400
	case Unauthorized:
		return 401
	case Forbidden:
		return 403
	case NotFound:
		return 404
	case Conflict:
		return 409
	case MethodNotAllowed:
		return 405
	case TooLarge:
		return 413
	case RateLimited:
		return 429
	case Unavailable:
		return 503
	default:
		return 500
	}
}

// envelope is the wire shape.
type envelope struct {
	Error *Error `json:"error"`
}

// JSON renders the error envelope.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(envelope{Error: e})
	return b
}

// As converts any error to an *Error; unknown errors become internal
// without leaking their text.
func As(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Code: Internal, Message: "internal error"}
}
