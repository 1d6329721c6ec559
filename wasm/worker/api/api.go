// Package api is the Cloudflare Worker's HTTP surface as a standard-library
// http.Handler: POST /api/v1/check (engine/checkhttp, the same handler the
// gin server mounts), GET /healthz, and JSON errors for everything else. It
// is plain Go so it is tested natively with httptest as well as under
// workerd. It must not import syscall/js, syumai/workers or gin: the
// binding in wasm/worker owns the runtime, and gin would add tens of
// megabytes to the Worker.
package api

import (
	"encoding/json"
	"net/http"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/checkhttp"
	"github.com/sendguard/sendguard/wasm/adapter"
)

// MaxBody is the Worker's request size limit. A Worker isolate has 128 MB
// of memory and the Go heap holds the body, its decoded form and any
// attachment bytes at once, so this is well below the server's 25 MB.
const MaxBody = 8 << 20

// PolicyVar is the binding (a JSON object or a JSON string var) that
// overrides the embedded default policy.
const PolicyVar = "SENDGUARD_POLICY"

// New returns the Worker's handler. policyJSON is the tenant policy
// document, or "" for the embedded default. An invalid policy does not
// stop the Worker: every request then answers 503 with an error naming the
// invalid fields, which is what an operator sees in their first curl.
func New(policyJSON string) http.Handler {
	s := &server{}
	eng, err := compile(policyJSON)
	if err != nil {
		s.broken = err
	} else {
		s.eng = eng
		// An empty check yields the exact policy reference verdicts carry
		// (including a derived version), without reaching into the engine.
		s.health, _ = json.Marshal(health{Status: "ok", Engine: engine.Version, Policy: eng.Check(engine.Request{}).Policy})
	}
	s.check = &checkhttp.Handler{Engine: s.engine, MaxBody: MaxBody}
	return s
}

type server struct {
	eng    *engine.Engine
	broken *apierr.Error
	health []byte
	check  *checkhttp.Handler
}

func compile(policyJSON string) (*engine.Engine, *apierr.Error) {
	p := engine.DefaultPolicy()
	if policyJSON != "" {
		var err error
		if p, err = engine.ParsePolicy([]byte(policyJSON)); err != nil {
			return nil, unavailable(err)
		}
	}
	eng, err := engine.New(p)
	if err != nil {
		return nil, unavailable(err)
	}
	return eng, nil
}

// unavailable reports a policy the Worker cannot run with. 503, not 400:
// the caller's request is fine, the deployment is not.
func unavailable(err error) *apierr.Error {
	return apierr.New(apierr.Unavailable, PolicyVar+" is not a valid policy: "+adapter.PolicyError(err).Message)
}

// health is GET /healthz's body.
type health struct {
	Status string           `json:"status"`
	Engine string           `json:"engine"`
	Policy engine.PolicyRef `json:"policy"`
}

func (s *server) engine(*http.Request) (*engine.Engine, error) {
	if s.broken != nil {
		return nil, s.broken
	}
	return s.eng, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v1/check":
		s.check.ServeHTTP(w, r)
	case "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			checkhttp.WriteError(w, apierr.New(apierr.MethodNotAllowed, "use GET"), 0)
			return
		}
		if s.broken != nil {
			checkhttp.WriteError(w, s.broken, 0)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(s.health)
		}
	default:
		checkhttp.WriteError(w, apierr.New(apierr.NotFound, "no such endpoint: this Worker serves POST /api/v1/check and GET /healthz"), 0)
	}
}
