//go:build js && wasm

// Command worker is Sendguard's check API as a Cloudflare Worker, built
// with syumai/workers. The policy comes from the SENDGUARD_POLICY binding
// (a JSON object, or a JSON document as a text var) or the embedded
// default. It imports engine packages, wasm/worker/api and syumai/workers
// only; never gin or the server.
//
// The stock JS glue from workers-assets-gen starts a new Go instance for
// every request, which repeats runtime and package init each time. Our own
// glue (shim/sendguard.mjs) sets context.keepAlive and keeps one instance
// for the life of the isolate; main then serves without ever returning, and
// also exports a synchronous bridge (bridge.go) that the shim prefers.
package main

import (
	"syscall/js"

	"github.com/sendguard/sendguard/wasm/worker/api"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

func main() {
	h := api.New(policyJSON())
	if js.Global().Get("context").Get("keepAlive").Truthy() {
		workers.ServeNonBlock(h)
		exportBridge(h)
		workers.Ready()
		select {}
	}
	// workers.Serve returns after the first response: the stock glue's
	// one-instance-per-request model.
	workers.Serve(h)
}

// policyJSON reads SENDGUARD_POLICY: wrangler.toml's [vars] turns a table
// into a JSON object binding and a string into a text binding.
func policyJSON() string {
	v := cloudflare.GetBinding(api.PolicyVar)
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return ""
	case js.TypeString:
		return v.String()
	default:
		// Objects, and numbers or booleans set by mistake, which then fail
		// validation with an error rather than silently using the default.
		return js.Global().Get("JSON").Call("stringify", v).String()
	}
}
