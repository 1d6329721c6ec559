package http

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/checkhttp"
	"github.com/sendguard/sendguard/server/domain"
)

var (
	notFound           = apierr.New(apierr.NotFound, "no such endpoint")
	methodNotAllowed   = apierr.New(apierr.MethodNotAllowed, "method not allowed on this endpoint")
	errUnauthenticated = apierr.New(apierr.Unauthorized, "send an Entra ID access token as Authorization: Bearer <token>")
	errNotAdmin        = apierr.New(apierr.Forbidden, "this needs the tenant's Sendguard admin app role")
	errStoreDown       = apierr.New(apierr.Unavailable, "the store is not reachable")
	errTooLarge        = apierr.New(apierr.TooLarge, "request body exceeds the size limit")
	errCancelled       = apierr.New(apierr.Unavailable, "the request was cancelled or timed out")
	errCORSOrigin      = apierr.New(apierr.Forbidden, "this origin may not call the API (see --cors-origin)")
)

// policyErrorBody is the error envelope with the invalid fields listed.
type policyErrorBody struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Details []engine.FieldError `json:"details"`
	} `json:"error"`
}

// WriteError is the one way any handler, built-in or Module, answers an
// error: the apierr envelope with apierr.Status's status. Errors that are
// not *apierr.Error become a 500 "internal error" and are logged (their
// text never reaches the client); an *engine.PolicyError becomes 400 with
// a details array naming each invalid field. It aborts the chain.
func WriteError(c *gin.Context, err error) {
	c.Abort()
	var pe *engine.PolicyError
	if errors.As(err, &pe) {
		var body policyErrorBody
		body.Error.Code = apierr.Invalid
		body.Error.Message = pe.Error()
		body.Error.Details = pe.Errors
		c.Header("Cache-Control", "no-store")
		writeJSON(c, apierr.Status(apierr.Invalid), body)
		return
	}
	var ae *apierr.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &mbe):
		ae = errTooLarge
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client hung up or the request ran out of time: nothing is
		// wrong with the service, so no error log.
		ae = errCancelled
	default:
		// The request logger reports c.Errors on 5xx.
		_ = c.Error(err)
		ae = apierr.As(err)
	}
	if ae.Code == apierr.Unauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="sendguard", error="invalid_token"`)
	}
	checkhttp.WriteError(c.Writer, ae, 0)
}

// Principal is the authenticated caller of an /api/v1 handler.
func Principal(c *gin.Context) domain.Principal {
	if v, ok := c.Get(principalKey); ok {
		return v.(domain.Principal)
	}
	p, _ := domain.PrincipalFrom(c.Request.Context())
	return p
}

// writeJSON answers v as JSON with the same Content-Type as the check
// handler's (gin's c.JSON adds a charset parameter the Worker does not).
func writeJSON(c *gin.Context, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.Data(status, "application/json", b)
}
