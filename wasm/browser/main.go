//go:build js && wasm

// Command browser is the Sendguard engine as a WebAssembly module for the
// Outlook add-in: it publishes globalThis.sendguard = {check, setPolicy,
// version, ready} and then waits for calls. It is a thin binding over
// wasm/adapter; syscall/js stays here and never reaches engine/. Keep
// fmt-heavy and net/http packages out: every byte is downloaded at Send.
package main

import (
	"syscall/js"

	"github.com/sendguard/sendguard/engine"
	"github.com/sendguard/sendguard/engine/apierr"
	"github.com/sendguard/sendguard/wasm/adapter"
)

func main() {
	m, err := adapter.New()
	if err != nil {
		// The embedded policy is compiled in; publishing a module that
		// answers every call with this error lets the add-in apply its fail
		// mode instead of waiting for a module that never becomes ready.
		failed := adapter.ErrorJSON(apierr.New(apierr.Internal, "the built-in policy does not compile: "+err.Error()))
		publish(func(string) string { return failed }, func(string) string { return failed })
		select {}
	}
	publish(m.Check, m.SetPolicy)
	select {}
}

// publish sets globalThis.sendguard. Both functions take one string; any
// other argument is answered with an invalid error, never a JS exception.
func publish(check, setPolicy func(string) string) {
	api := js.Global().Get("Object").New()
	api.Set("check", js.FuncOf(func(_ js.Value, args []js.Value) any {
		s, ok := stringArg(args)
		if !ok {
			return adapter.ErrorJSON(apierr.New(apierr.Invalid, "check expects one argument: the request as a JSON string"))
		}
		return check(s)
	}))
	api.Set("setPolicy", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].IsNull() || args[0].IsUndefined() {
			return setPolicy("")
		}
		s, ok := stringArg(args)
		if !ok {
			return adapter.ErrorJSON(apierr.New(apierr.Invalid, "setPolicy expects one argument: the policy as a JSON string"))
		}
		return setPolicy(s)
	}))
	api.Set("version", engine.Version)
	api.Set("ready", true)
	js.Global().Set("sendguard", api)
}

func stringArg(args []js.Value) (string, bool) {
	if len(args) != 1 || args[0].Type() != js.TypeString {
		return "", false
	}
	return args[0].String(), true
}
