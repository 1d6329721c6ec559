/**
 * Builds the handlers' environment from the real globals: Office, fetch,
 * storage, the engine loader. Kept apart from the handlers so tests build
 * their own environment with the same parts pointed elsewhere.
 */

import { baseUrl } from "./base.js";
import { tokenSource } from "./auth.js";
import { pickStore } from "./cache.js";
import { createEngine } from "./engine.js";

/**
 * The fail mode when no policy is known yet: the built-in policy's, which
 * the build reads from engine/policy/default.json.
 */
/* global SENDGUARD_DEFAULT_FAIL_MODE */
export const DEFAULT_FAIL_MODE = typeof SENDGUARD_DEFAULT_FAIL_MODE === "string" ? SENDGUARD_DEFAULT_FAIL_MODE : "closed";

/**
 * Creates the environment for one runtime.
 * @param {object} g the global object
 * @param {{load?: Function, missing?: () => string[]}} wasm the engine loader (see engineLoader)
 * @returns {import("./check.js").Env}
 */
export function createEnv(g, wasm) {
  const base = baseUrl(g);
  const now = () => Date.now();
  const fetchFn = typeof g.fetch === "function" ? g.fetch.bind(g) : null;
  const api = {
    baseUrl: base,
    fetch: fetchFn || (() => Promise.reject(new Error("fetch is not available"))),
    token: tokenSource(g, now),
  };
  const engine = createEngine({
    api,
    engineUrl: base + "/addin/engine/",
    load: base && fetchFn ? wasm.load : undefined,
    missing: wasm.missing,
  });
  return {
    g,
    office: g.Office,
    api,
    store: pickStore(g),
    engine,
    now,
    defaultFailMode: DEFAULT_FAIL_MODE,
  };
}

/**
 * Wraps the engine loader so Go's runtime support (wasm_exec.js, bundled
 * as installGo) is installed only where the globals it needs exist; it
 * throws at load time otherwise, which would take the handlers down.
 * @param {object} g the global object
 * @param {() => void} installGo defines g.Go
 * @param {Function} load loadSendguard from wasm/browser/loader.js
 * @param {(g?: object) => string[]} missing missingGlobals from the loader
 * @returns {{load: Function, missing: () => string[]}}
 */
export function engineLoader(g, installGo, load, missing) {
  return {
    missing: () => missing(g),
    load: (opts) => {
      if (missing(g).length > 0) return Promise.reject(new Error("WebAssembly is not available here"));
      try {
        if (typeof g.Go !== "function") installGo();
      } catch (e) {
        return Promise.reject(new Error("the WebAssembly runtime could not start"));
      }
      return load(opts);
    },
  };
}
