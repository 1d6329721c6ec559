// Package adapter is the browser module's JSON surface in plain Go: a
// request string in, a verdict or error envelope string out, and a policy
// that can be swapped at run time. It lives apart from wasm/browser so it
// can be tested natively as well as under GOOS=js. It depends only on
// engine and its contract packages; it must not import syscall/js (the
// binding in wasm/browser owns that) nor net/http or anything else that
// would swell the browser binary.
package adapter

import (
	"sync/atomic"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/checkjson"
)

// Module holds the engine the browser module checks with. Its methods never
// panic: a panic inside the engine becomes an internal error envelope, so
// the add-in's send handler always gets JSON back and can apply its fail
// mode. A Module is safe for concurrent use.
type Module struct {
	// current is the engine in use; swapped whole by SetPolicy so a check
	// never sees half a policy.
	current atomic.Pointer[engine.Engine]
	// builtin is the engine for the embedded default policy, kept so that
	// resetting the policy costs nothing.
	builtin *engine.Engine
}

// New returns a Module using the embedded default policy.
func New() (*Module, error) {
	eng, err := engine.New(engine.DefaultPolicy())
	if err != nil {
		return nil, err
	}
	m := &Module{builtin: eng}
	m.current.Store(eng)
	return m, nil
}

// Check runs one check request (the check API's JSON) and returns the
// verdict JSON, byte for byte what the server and the Worker answer, or an
// error envelope {"error":{"code","message"}}.
func (m *Module) Check(requestJSON string) (out string) {
	defer func() {
		if recover() != nil {
			// The panic value may quote message content, so it is dropped.
			out = ErrorJSON(apierr.New(apierr.Internal, "the engine failed on this message"))
		}
	}()
	verdict, aerr := checkjson.Check(m.current.Load(), []byte(requestJSON))
	if aerr != nil {
		return ErrorJSON(aerr)
	}
	return string(verdict)
}

// SetPolicy compiles a tenant's policy document and uses it for every
// later check. An empty document returns to the embedded default. It
// returns "" on success, or an error envelope naming every invalid field;
// on error the previous policy stays in force.
func (m *Module) SetPolicy(policyJSON string) (out string) {
	defer func() {
		if recover() != nil {
			out = ErrorJSON(apierr.New(apierr.Internal, "the policy could not be compiled"))
		}
	}()
	if policyJSON == "" {
		m.current.Store(m.builtin)
		return ""
	}
	p, err := engine.ParsePolicy([]byte(policyJSON))
	if err != nil {
		return ErrorJSON(PolicyError(err))
	}
	eng, err := engine.New(p)
	if err != nil {
		return ErrorJSON(PolicyError(err))
	}
	m.current.Store(eng)
	return ""
}

// PolicyError turns a policy compile error into the API's invalid error.
// *engine.PolicyError's text names fields, never message content.
func PolicyError(err error) *apierr.Error {
	if _, ok := err.(*engine.PolicyError); ok {
		return apierr.New(apierr.Invalid, err.Error())
	}
	return apierr.New(apierr.Invalid, "invalid policy")
}

// ErrorJSON renders an error envelope as a string.
func ErrorJSON(e *apierr.Error) string { return string(e.JSON()) }
