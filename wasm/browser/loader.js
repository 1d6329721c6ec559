// Loads Sendguard's engine (the Go WebAssembly module built by `make wasm`)
// in a browser or in node, and resolves when globalThis.sendguard is ready.
// Plain ESM with no dependencies, so the add-in can import it as is or let
// its bundler inline it.
//
//   import { loadSendguard } from "./loader.js";
//   const sg = await loadSendguard({ baseUrl: "https://host/wasm/" });
//   const verdictJSON = sg.check(JSON.stringify({ message, context }));
//
// baseUrl is the directory holding engine-manifest.json, the hashed module
// and wasm_exec.js (wasm/dist). The module's name carries its content hash,
// so it is cached forever: in the Cache API where the browser has one, and
// compiled, in memory for the life of the page.

/** Name of the Cache API cache holding module bytes by hashed URL. */
export const CACHE_NAME = "sendguard-engine";

/**
 * What the Go runtime (wasm_exec.js) uses. Each entry is a name to report
 * and a test against a global object.
 */
const REQUIRED = [
  ["WebAssembly", (g) => typeof g.WebAssembly === "object" && typeof g.WebAssembly.instantiate === "function"],
  ["crypto.getRandomValues", (g) => typeof g.crypto?.getRandomValues === "function"],
  ["performance.now", (g) => typeof g.performance?.now === "function"],
  ["TextEncoder", (g) => typeof g.TextEncoder === "function"],
  ["TextDecoder", (g) => typeof g.TextDecoder === "function"],
];

/**
 * Lists the globals the Go runtime needs that this environment lacks.
 * @param {object} [g=globalThis] the global object to inspect
 * @returns {string[]} missing names, empty when everything is there
 */
export function missingGlobals(g = globalThis) {
  return REQUIRED.filter(([, ok]) => !ok(g)).map(([name]) => name);
}

/** Raised when the engine cannot be loaded; `code` is stable. */
export class SendguardLoadError extends Error {
  /**
   * @param {string} code "unsupported" | "fetch" | "compile" | "start" | "policy"
   * @param {string} message
   * @param {object} [extra] e.g. {missing: [...]} or {error: {code, message}}
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.name = "SendguardLoadError";
    this.code = code;
    Object.assign(this, extra);
  }
}

/** Compiled modules by sha256, so a second load skips compilation. */
const compiled = new Map();
/** The running engine's API by sha256 (one Go instance per module). */
const running = new Map();

const isNode = typeof process === "object" && typeof process.versions?.node === "string";

/**
 * Resolves a base URL: URL objects and strings with a scheme are taken as
 * they are; in node a plain path is a directory on disk.
 * @param {string|URL} baseUrl
 * @returns {Promise<URL>}
 */
async function resolveBase(baseUrl) {
  if (baseUrl instanceof URL) return withSlash(baseUrl);
  if (typeof baseUrl !== "string" || baseUrl === "") {
    throw new SendguardLoadError("fetch", "loadSendguard needs baseUrl: the directory holding engine-manifest.json");
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(baseUrl)) return withSlash(new URL(baseUrl));
  if (isNode) {
    const { pathToFileURL } = await import("node:url");
    return withSlash(pathToFileURL(baseUrl));
  }
  return withSlash(new URL(baseUrl, globalThis.location?.href));
}

function withSlash(u) {
  const c = new URL(u.href);
  if (!c.pathname.endsWith("/")) c.pathname += "/";
  return c;
}

/**
 * Reads a file: from disk for file: URLs in node, else with fetch.
 * @param {URL} url
 * @param {(url: string, init?: object) => Promise<Response>} fetchFn
 * @returns {Promise<Response>}
 */
async function get(url, fetchFn, init) {
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(url);
    const type = url.pathname.endsWith(".wasm") ? "application/wasm" : "application/json";
    return new Response(bytes, { headers: { "content-type": type } });
  }
  if (typeof fetchFn !== "function") throw new Error("fetch is not available");
  const res = await fetchFn(url.href, init);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res;
}

/**
 * Gets the module's Response, from the Cache API when the browser has one.
 * The name is content-hashed, so a cached copy never goes stale.
 */
async function getModule(url, fetchFn, useCache) {
  const cacheStorage = useCache && url.protocol !== "file:" ? globalThis.caches : undefined;
  if (cacheStorage && typeof cacheStorage.open === "function") {
    try {
      const cache = await cacheStorage.open(CACHE_NAME);
      const hit = await cache.match(url.href);
      if (hit) return hit;
      const res = await get(url, fetchFn);
      await cache.put(url.href, res.clone());
      return res;
    } catch {
      // Opaque origins and some privacy modes refuse the Cache API: fall
      // through to a plain fetch.
    }
  }
  return get(url, fetchFn);
}

/**
 * Compiles from a Response, streaming where the runtime and the server's
 * content type allow it.
 * @param {Response} res
 * @returns {Promise<WebAssembly.Module>}
 */
async function compile(res) {
  const type = res.headers.get("content-type") || "";
  if (typeof WebAssembly.compileStreaming === "function" && type.split(";")[0].trim() === "application/wasm") {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

/**
 * Makes sure globalThis.Go (from wasm_exec.js) exists.
 * @param {URL} url wasm_exec.js
 */
async function ensureGo(url) {
  if (typeof globalThis.Go === "function") return;
  await import(/* webpackIgnore: true */ url.href);
  if (typeof globalThis.Go !== "function") throw new Error("wasm_exec.js did not define Go");
}

/**
 * Parses a JSON error envelope from the module.
 * @param {string} s
 * @returns {{code: string, message: string}}
 */
function envelope(s) {
  try {
    const e = JSON.parse(s).error;
    if (e && typeof e.code === "string") return e;
  } catch {
    // not an envelope
  }
  return { code: "internal", message: "unexpected answer from the engine" };
}

/** The error envelope the API wrappers return when the engine cannot answer. */
function internalError(message) {
  return JSON.stringify({ error: { code: "internal", message } });
}

/**
 * Wraps the module's globals so that callers never see an exception: if
 * the Go program has exited (a fatal runtime error), calls answer an
 * internal error envelope and the add-in applies its fail mode.
 * @param {object} sg globalThis.sendguard
 * @returns {{check: (requestJSON: string) => string, setPolicy: (policyJSON?: string) => string, version: string}}
 */
function wrap(sg) {
  return Object.freeze({
    check(requestJSON) {
      try {
        return sg.check(requestJSON);
      } catch {
        return internalError("the engine is not running");
      }
    },
    setPolicy(policyJSON) {
      try {
        return policyJSON === undefined || policyJSON === null ? sg.setPolicy() : sg.setPolicy(policyJSON);
      } catch {
        return internalError("the engine is not running");
      }
    },
    version: sg.version,
  });
}

/**
 * The compiled module for a manifest, from memory or fetched and compiled.
 * @returns {Promise<WebAssembly.Module>}
 */
async function compiledModule(base, manifest, fetchFn, useCache) {
  let mod = compiled.get(manifest.sha256);
  if (mod) return mod;
  let res;
  try {
    res = await getModule(new URL(manifest.wasm, base), fetchFn, useCache);
  } catch (err) {
    throw new SendguardLoadError("fetch", `cannot fetch ${manifest.wasm}: ${err.message}`);
  }
  try {
    mod = await compile(res);
  } catch (err) {
    throw new SendguardLoadError("compile", `cannot compile ${manifest.wasm}: ${err.message}`);
  }
  compiled.set(manifest.sha256, mod);
  return mod;
}

/**
 * Loads the engine and resolves when it is ready.
 *
 * @param {object} opts
 * @param {string|URL} opts.baseUrl directory with engine-manifest.json,
 *   the module and wasm_exec.js (a URL, or in node a path)
 * @param {string} [opts.policyJSON] tenant policy to apply once loaded;
 *   rejects with code "policy" when it is invalid
 * @param {{wasm: string, sha256: string}} [opts.manifest] the manifest's
 *   content, when the caller bundled it at build time: saves a round trip
 * @param {Function} [opts.fetch] fetch to use (default globalThis.fetch)
 * @param {boolean} [opts.cache=true] keep module bytes in the Cache API
 * @returns {Promise<{check: (requestJSON: string) => string,
 *   setPolicy: (policyJSON?: string) => string, version: string}>}
 *   check returns verdict JSON or an error envelope; setPolicy returns ""
 *   or an error envelope ("" or no argument restores the default policy).
 *   Neither throws.
 */
export async function loadSendguard(opts = {}) {
  const missing = missingGlobals();
  if (missing.length > 0) {
    throw new SendguardLoadError(
      "unsupported",
      `Sendguard's engine cannot run here: this runtime lacks ${missing.join(", ")}`,
      { missing },
    );
  }
  const base = await resolveBase(opts.baseUrl);
  const fetchFn = opts.fetch ?? globalThis.fetch?.bind(globalThis);

  // wasm_exec.js (Go's JS runtime) loads while the manifest and then the
  // module download: fewer round trips in a row at Send time.
  const goReady = ensureGo(new URL("wasm_exec.js", base)).catch((err) => {
    throw new SendguardLoadError("fetch", `cannot load wasm_exec.js: ${err.message}`);
  });
  goReady.catch(() => {}); // observed below, once the manifest is in

  let manifest = opts.manifest;
  if (manifest === undefined) {
    try {
      // The manifest is small and must be fresh; the module it names is not.
      manifest = await (await get(new URL("engine-manifest.json", base), fetchFn, { cache: "no-cache" })).json();
    } catch (err) {
      throw new SendguardLoadError("fetch", `cannot read engine-manifest.json: ${err.message}`);
    }
  }
  if (typeof manifest?.wasm !== "string" || typeof manifest?.sha256 !== "string") {
    throw new SendguardLoadError("fetch", "engine-manifest.json lacks wasm and sha256");
  }

  let api = running.get(manifest.sha256);
  if (!api) {
    api = start(base, manifest, fetchFn, opts.cache !== false, goReady);
    running.set(manifest.sha256, api);
    api.catch(() => running.delete(manifest.sha256));
  }
  const sg = await api;
  if (opts.policyJSON !== undefined && opts.policyJSON !== null) {
    const res = sg.setPolicy(opts.policyJSON);
    if (res !== "") {
      const error = envelope(res);
      throw new SendguardLoadError("policy", `the policy was rejected: ${error.message}`, { error });
    }
  }
  return sg;
}

async function start(base, manifest, fetchFn, useCache, goReady) {
  const modReady = compiledModule(base, manifest, fetchFn, useCache);
  const [, mod] = await Promise.all([goReady, modReady]);
  const go = new globalThis.Go();
  let instance;
  try {
    instance = await WebAssembly.instantiate(mod, go.importObject);
  } catch (err) {
    throw new SendguardLoadError("start", `cannot instantiate the engine: ${err.message}`);
  }
  // run() executes main until it blocks waiting for calls, by which time it
  // has published globalThis.sendguard; its promise settles only on exit.
  // If main exits instead (a fatal error), wasm_exec.js has set go.exited
  // by the time run() returns its promise.
  go.run(instance).catch(() => {});
  const sg = globalThis.sendguard;
  if (go.exited || !sg || sg.ready !== true) {
    throw new SendguardLoadError("start", "the engine did not become ready");
  }
  return wrap(sg);
}
