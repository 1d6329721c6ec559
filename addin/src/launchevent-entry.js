/**
 * The bundle's entry: Go's WebAssembly runtime support first (it defines
 * globalThis.Go, which the engine loader needs), then the handlers.
 */
import "sendguard:wasm-exec";
import "./launchevent.js";
