/**
 * Chooses where a message is checked: the WebAssembly engine in the
 * runtime when it can run there (browser runtimes, and classic Outlook
 * builds whose JavaScript runtime has WebAssembly), else the server's
 * POST /api/v1/check. Both run the same Go engine and give the same bytes.
 */

import { SendguardError, withTimeout } from "./async.js";
import { remoteCheck } from "./api.js";

/**
 * @typedef {{check(requestJSON: string): string, setPolicy(policyJSON?: string): string, version: string}} Module
 * @typedef {{
 *   api: import("./api.js").ApiEnv,
 *   engineUrl: string,
 *   load?: (opts: {baseUrl: string, fetch?: Function}) => Promise<Module>,
 *   missing?: () => string[],
 *   loadMs?: number,
 *   remoteMs?: number,
 * }} EngineOptions
 */

/**
 * Creates a checker. It keeps the loaded module and the policy it holds
 * for the life of the runtime, so only the first send pays for loading.
 * @param {EngineOptions} opts
 */
export function createEngine(opts) {
  let modulePromise = null;
  let broken = !opts.load || (opts.missing ? opts.missing().length > 0 : false);
  let loadedPolicy = null;
  let lastPath = "";
  let lastRaw = "";

  /**
   * Loads the module once; concurrent callers share the promise.
   * @returns {Promise<Module>}
   */
  function module() {
    if (!modulePromise) {
      modulePromise = withTimeout(opts.load({ baseUrl: opts.engineUrl, fetch: opts.api.fetch }), opts.loadMs || 2500, "loading the engine");
      modulePromise.catch(() => {
        broken = true;
        modulePromise = null;
      });
    }
    return modulePromise;
  }

  /**
   * Checks locally; returns null when the module is unavailable so the
   * caller goes to the server instead.
   * @param {object} req
   * @param {string|null} policyText
   * @returns {Promise<{verdict: object, raw: string}|null>}
   */
  async function local(req, policyText) {
    if (broken) return null;
    let sg;
    try {
      sg = await module();
    } catch (e) {
      return null;
    }
    const want = policyText || "";
    if (loadedPolicy !== want) {
      if (sg.setPolicy(want) !== "") {
        // This engine build rejects the tenant's policy (a newer field, say):
        // the server's engine accepted it, so let the server check.
        return null;
      }
      loadedPolicy = want;
    }
    const out = sg.check(JSON.stringify(req));
    let v;
    try {
      v = JSON.parse(out);
    } catch (e) {
      throw new SendguardError("the engine gave an unreadable answer", "engine");
    }
    if (!v || typeof v.action !== "string") {
      throw new SendguardError("the engine could not check it", "engine");
    }
    return { verdict: v, raw: out };
  }

  return {
    /** Whether the next check will try the in-runtime engine. */
    get wantsLocal() {
      return !broken;
    },
    /** "local" or "remote": where the last check ran. */
    get lastPath() {
      return lastPath;
    },
    /** The last verdict's JSON exactly as the engine wrote it. */
    get lastRaw() {
      return lastRaw;
    },
    /** Starts loading the module early (on page load), ignoring failure. */
    warm() {
      if (!broken) module().catch(() => undefined);
    },
    /**
     * Checks a request and returns the verdict.
     * @param {object} req {message, context}
     * @param {string|null} policyText the tenant's policy JSON, null for the built-in one
     * @returns {Promise<object>}
     */
    async check(req, policyText) {
      let localErr = null;
      try {
        const r = await local(req, policyText);
        if (r) {
          lastPath = "local";
          lastRaw = r.raw;
          return r.verdict;
        }
      } catch (e) {
        localErr = e;
      }
      try {
        const r = await remoteCheck(opts.api, req, opts.remoteMs || 3000);
        lastPath = "remote";
        lastRaw = r.raw;
        return r.verdict;
      } catch (e) {
        throw localErr || e;
      }
    },
  };
}
