// Sendguard's Worker entry point: syumai/workers' Go API with one Go
// instance per isolate instead of one per request.
//
// The stock glue (worker.mjs from workers-assets-gen) instantiates the
// module, runs Go's runtime and package init, compiles every regexp and
// parses the policy on each request, then lets the program exit. Here the
// first request starts the program with context.keepAlive set; main (see
// ../main.go) then registers its handler and never returns, so later
// requests call straight into the running instance.
//
// Requests go through Go's synchronous bridge (binding.serve, one call per
// request) rather than syumai's streaming handleRequest; both run the same
// http.Handler. The var SENDGUARD_BRIDGE=off selects handleRequest, for
// comparison.
//
// Limits of the model, fine for this Worker: env is read once, from the
// first request (it is the same for every request of a deployment), and
// ctx (waitUntil, passThroughOnException) is the latest request's, so Go
// code here must not rely on per-request ExecutionContext.
import "./wasm_exec.js";
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

/** The object Go reads as globalThis.context (see wasm_exec.js's proxy). */
const context = { env: undefined, ctx: undefined, connect, binding: {}, keepAlive: true };

/** Resolves to the binding once the Go program has called workers.Ready. */
let started;
/** The running Go instance (wasm_exec.js sets go.exited when it ends). */
let go;

/**
 * Starts the Go program once. If it ever exits (a fatal runtime error), the
 * next request starts a fresh one rather than failing forever.
 * @param {object} env the Worker's bindings
 * @returns {Promise<object>} the binding with handleRequest
 */
function start(env) {
  if (started) return started;
  context.env = env;
  context.binding = {};
  // SENDGUARD_BRIDGE=off is a diagnostic: it measures syumai's streaming
  // path with the same long-lived instance.
  context.bridge = env?.SENDGUARD_BRIDGE !== "off";
  started = new Promise((resolve, reject) => {
    go = new Go();
    const instance = new WebAssembly.Instance(mod, {
      ...go.importObject,
      workers: { ready: () => resolve(context.binding) },
    });
    go.run(instance, context).then(
      () => {
        started = undefined;
        reject(new Error("the Go program exited before it was ready"));
      },
      (err) => {
        started = undefined;
        reject(err);
      },
    );
  });
  return started;
}

/**
 * Answers an error the way the Go side would, for failures outside Go.
 * @param {number} status HTTP status
 * @param {string} code apierr code
 * @param {string} message safe text (never request content)
 * @returns {Response}
 */
function errorResponse(status, code, message) {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/**
 * Reads a body, stopping one byte past max: the Go handler's limit then
 * answers 413 without the isolate buffering an arbitrarily large upload.
 * @param {Request} req
 * @param {number} max
 * @returns {Promise<Uint8Array|null>}
 */
async function readCapped(req, max) {
  if (!req.body) return null;
  const declared = Number(req.headers.get("content-length"));
  if (Number.isInteger(declared) && declared >= 0 && declared <= max) {
    // The runtime enforces the declared length, so this cannot overrun.
    return new Uint8Array(await req.arrayBuffer());
  }
  const reader = req.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      break;
    }
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/**
 * Serves a request through Go's synchronous bridge (see ../bridge.go): one
 * call into Go, which runs the same http.Handler as handleRequest.
 * @param {object} binding
 * @param {Request} req
 * @returns {Promise<Response>}
 */
async function viaBridge(binding, req) {
  const body = await readCapped(req, binding.maxBody);
  const headers = [];
  for (const [k, v] of req.headers) headers.push(k, v);
  const res = binding.serve(req.method, req.url, headers, body);
  const out = new Headers();
  for (let i = 0; i + 1 < res.headers.length; i += 2) out.append(res.headers[i], res.headers[i + 1]);
  const empty = req.method === "HEAD" || res.status === 204 || res.status === 304;
  return new Response(empty ? null : res.body, { status: res.status, headers: out });
}

export default {
  /**
   * @param {Request} req
   * @param {object} env
   * @param {ExecutionContext} ctx
   * @returns {Promise<Response>}
   */
  async fetch(req, env, ctx) {
    let binding;
    try {
      binding = await start(env);
    } catch {
      // Let the next request try again (instantiation itself may throw).
      started = undefined;
      return errorResponse(503, "unavailable", "the engine could not start");
    }
    context.ctx = ctx;
    try {
      if (typeof binding.serve === "function" && context.bridge !== false) {
        return await viaBridge(binding, req);
      }
      return await binding.handleRequest(req);
    } catch {
      // If Go exited mid-request ("Go program has already exited"), the
      // next request starts a new instance.
      if (go && go.exited) started = undefined;
      return errorResponse(500, "internal", "the engine failed on this request");
    }
  },
};
