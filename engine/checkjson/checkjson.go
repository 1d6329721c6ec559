// Package checkjson is the check API's JSON contract in one place: request
// bytes in, verdict bytes or a coded error out. The server, the Worker and
// the browser module all call it, so their JSON cannot drift. It must not
// import net/http: the browser module links it and pays for every byte.
package checkjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
)

// Decode parses a check request. Errors are apierr.Invalid and say where
// the JSON went wrong, never what it contained.
func Decode(body []byte) (engine.Request, *apierr.Error) {
	var req engine.Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, apierr.New(apierr.Invalid, "request body is empty: want {\"message\":{...},\"context\":{...}}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return req, apierr.New(apierr.Invalid, describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, apierr.New(apierr.Invalid, "request body has data after the JSON object")
	}
	return req, nil
}

// describe turns a decoding error into a message that names the position
// or field but never echoes input values.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "request"
		}
		return fmt.Sprintf("field %q: expected %s", field, typ.Type.String())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: unexpected end of input"
	default:
		return "malformed JSON"
	}
}

// Encode renders a verdict. encoding/json with fixed struct order keeps it
// byte-for-byte identical on every target.
func Encode(v engine.Verdict) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// A Verdict holds only strings and slices of them; this cannot
		// happen, and if it did the caller still gets valid JSON.
		return apierr.New(apierr.Internal, "cannot encode verdict").JSON()
	}
	return b
}

// Check decodes, checks and encodes. On bad input it returns the error.
func Check(e *engine.Engine, body []byte) ([]byte, *apierr.Error) {
	req, aerr := Decode(body)
	if aerr != nil {
		return nil, aerr
	}
	return Encode(e.Check(req)), nil
}
