// Package checkhttp is the check endpoint as a standard-library
// http.Handler. The Worker serves it directly and the gin server mounts it,
// so both answer with the same bytes. Standard library only: gin compiled
// to WebAssembly is tens of megabytes.
package checkhttp

import (
	"errors"
	"io"
	"net/http"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/engine/checkjson"
)

// DefaultMaxBody is the default request size limit. The add-in may send
// attachment content, so it is generous.
const DefaultMaxBody = 25 << 20

// EngineFunc picks the engine for a request (the server picks the
// tenant's compiled policy; the Worker has one).
type EngineFunc func(r *http.Request) (*engine.Engine, error)

// Handler serves POST check requests.
type Handler struct {
	// Engine picks the engine. Required.
	Engine EngineFunc
	// MaxBody caps the request body; 0 means DefaultMaxBody.
	MaxBody int64
	// OnVerdict, if set, is called after each check (metrics). It must not
	// keep the verdict's evidence anywhere that is not masked.
	OnVerdict func(r *http.Request, v engine.Verdict)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		WriteError(w, apierr.New(apierr.MethodNotAllowed, "use POST"), 0)
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			WriteError(w, apierr.New(apierr.TooLarge, "request body exceeds the size limit"), 0)
			return
		}
		WriteError(w, apierr.New(apierr.Invalid, "cannot read request body"), 0)
		return
	}
	eng, err := h.Engine(r)
	if err != nil {
		WriteError(w, apierr.As(err), 0)
		return
	}
	req, aerr := checkjson.Decode(body)
	if aerr != nil {
		WriteError(w, aerr, 0)
		return
	}
	v := eng.Check(req)
	if h.OnVerdict != nil {
		h.OnVerdict(r, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(checkjson.Encode(v))
}

// WriteError writes the error envelope. status 0 means apierr.Status(code).
func WriteError(w http.ResponseWriter, e *apierr.Error, status int) {
	if status == 0 {
		status = apierr.Status(e.Code)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(e.JSON())
}
