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
 * @param {{load?: Function, missing?: () => string[]}} wasm the engine loader (wasm/browser/loader.js)
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
    missing: wasm.missing ? () => wasm.missing(g) : undefined,
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
