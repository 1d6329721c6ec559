//go:build js && wasm

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"syscall/js"

	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/wasm/worker/api"
)

// The bridge serves one request in a single synchronous call from the shim:
// the shim has already read the body (capped), so the handler never waits
// on JavaScript. syumai's handleRequest streams the body in and the
// response out through promises and an io.Pipe, several round trips per
// request, which costs far more than the check itself. Both paths run the
// same http.Handler; the stock glue still uses handleRequest.

// exportBridge adds serve(method, url, headerPairs, body) -> {status,
// headers, body} and maxBody to the binding syumai's glue reads.
func exportBridge(h http.Handler) {
	binding := js.Global().Get("context").Get("binding")
	binding.Set("maxBody", api.MaxBody)
	binding.Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return serve(h, args)
	}))
}

// recorder is an in-memory http.ResponseWriter (net/http/httptest would
// pull crypto/tls into the binary).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

func serve(h http.Handler, args []js.Value) (out any) {
	rec := &recorder{header: http.Header{}}
	defer func() {
		if recover() != nil {
			// The panic value may quote request content; it is dropped.
			rec = &recorder{header: http.Header{"Content-Type": {"application/json"}}, status: http.StatusInternalServerError}
			rec.body.Write(apierr.New(apierr.Internal, "the Worker failed on this request").JSON())
			out = response(rec)
		}
	}()
	if len(args) != 4 {
		panic("serve takes method, url, header pairs and body")
	}
	u, err := url.Parse(args[1].String())
	if err != nil {
		panic("unparsable URL")
	}
	header := http.Header{}
	pairs := args[2]
	for i, n := 0, pairs.Length(); i+1 < n; i += 2 {
		header.Add(pairs.Index(i).String(), pairs.Index(i+1).String())
	}
	var body []byte
	if b := args[3]; b.Truthy() {
		body = make([]byte, b.Get("byteLength").Int())
		js.CopyBytesToGo(body, b)
	}
	req := &http.Request{
		Method:        args[0].String(),
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          u.Host,
		RequestURI:    u.RequestURI(),
		RemoteAddr:    header.Get("Cf-Connecting-Ip"),
	}
	h.ServeHTTP(rec, req)
	return response(rec)
}

func response(rec *recorder) js.Value {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	res := js.Global().Get("Object").New()
	res.Set("status", rec.status)
	var pairs []any
	for k, vs := range rec.header {
		for _, v := range vs {
			pairs = append(pairs, k, v)
		}
	}
	res.Set("headers", js.ValueOf(pairs))
	body := js.Global().Get("Uint8Array").New(rec.body.Len())
	js.CopyBytesToJS(body, rec.body.Bytes())
	res.Set("body", body)
	return res
}
