/**
 * The Sendguard server's HTTP API as the add-in uses it: fetch with tight
 * deadlines, JSON in and out, bearer token when there is one. Errors are
 * SendguardErrors with a short reason; response bodies are never quoted.
 */

import { SendguardError } from "./async.js";

/**
 * @typedef {{baseUrl: string, fetch: Function, token?: () => Promise<string>}} ApiEnv
 */

/**
 * Fetches a URL with an abortable deadline.
 * @param {ApiEnv} env
 * @param {string} path under the base URL, starting with /
 * @param {{method?: string, body?: *, ms: number, what: string}} req
 * @returns {Promise<{status: number, json: *, text: string, etag: string}>}
 */
export async function request(env, path, req) {
  const headers = { Accept: "application/json" };
  let body;
  if (req.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  }
  const ctl = typeof AbortController === "function" ? new AbortController() : null;
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      if (ctl) ctl.abort();
      reject(new SendguardError(`the server did not answer in time ${req.what}`, "timeout"));
    }, req.ms);
  });
  try {
    const token = env.token ? await Promise.race([env.token(), deadline]) : "";
    if (token) headers.Authorization = "Bearer " + token;
    const res = await Promise.race([
      env.fetch(env.baseUrl + path, {
        method: req.method || "GET",
        headers,
        body,
        credentials: "omit",
        cache: "no-store",
        signal: ctl ? ctl.signal : undefined,
      }),
      deadline,
    ]);
    let json = null;
    const text = await Promise.race([res.text(), deadline]);
    if (text) {
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new SendguardError(`the server sent an unreadable answer ${req.what}`, "server");
      }
    }
    const etag = (res.headers && typeof res.headers.get === "function" && res.headers.get("ETag")) || "";
    return { status: res.status, json, text, etag };
  } catch (e) {
    if (e instanceof SendguardError) throw e;
    throw new SendguardError(`the server could not be reached ${req.what}`, "network");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/v1/policy: the tenant's policy document. The server marks its
 * built-in default with ETag "0"; the engine module has that policy
 * compiled in already, so builtIn lets the caller skip recompiling it.
 * @param {ApiEnv} env
 * @param {number} ms
 * @returns {Promise<{doc: object, text: string, builtIn: boolean}>}
 */
export async function fetchPolicy(env, ms) {
  const r = await request(env, "/api/v1/policy", { ms, what: "for the policy" });
  if (r.status !== 200 || !r.json || typeof r.json !== "object" || Array.isArray(r.json)) {
    throw new SendguardError(`the server refused the policy (HTTP ${r.status})`, "server");
  }
  return { doc: r.json, text: r.text, builtIn: r.etag === '"0"' || r.etag === 'W/"0"' };
}

/**
 * POST /api/v1/recipients: what the server knows of the sender's history
 * with these recipients. Any failure, including 404 from a server without
 * the Graph module, means "no history": the caller omits knownRecipients
 * so history rules stay silent rather than calling everyone new.
 * @param {ApiEnv} env
 * @param {string} sender
 * @param {string[]} recipients
 * @param {number} ms
 * @returns {Promise<object|null>} context fields, or null when unknown
 */
export async function fetchRecipientContext(env, sender, recipients, ms) {
  try {
    const r = await request(env, "/api/v1/recipients", {
      method: "POST",
      body: { sender, recipients },
      ms,
      what: "for recipient history",
    });
    if (r.status !== 200 || !r.json || typeof r.json !== "object") return null;
    const src = r.json.context && typeof r.json.context === "object" ? r.json.context : r.json;
    if (!Array.isArray(src.knownRecipients)) return null;
    const ctx = { knownRecipients: src.knownRecipients.filter((a) => typeof a === "string") };
    for (const k of ["directory", "knownDomains"]) {
      if (Array.isArray(src[k])) ctx[k] = src[k].filter((a) => typeof a === "string");
    }
    if (src.distributionLists && typeof src.distributionLists === "object") ctx.distributionLists = src.distributionLists;
    return ctx;
  } catch (e) {
    return null;
  }
}

/**
 * POST /api/v1/check: the server runs the engine (classic Outlook without
 * WebAssembly, or when the in-browser engine failed to load).
 * @param {ApiEnv} env
 * @param {object} req check request
 * @param {number} ms
 * @returns {Promise<{verdict: object, raw: string}>} the verdict, parsed and as sent
 */
export async function remoteCheck(env, req, ms) {
  const r = await request(env, "/api/v1/check", { method: "POST", body: req, ms, what: "for the check" });
  if (r.status !== 200 || !r.json || typeof r.json.action !== "string") {
    const code = r.json && r.json.error && typeof r.json.error.code === "string" ? r.json.error.code : "";
    throw new SendguardError(`the server could not check it (HTTP ${r.status}${code ? ", " + code : ""})`, "server");
  }
  return { verdict: r.json, raw: r.text };
}

/**
 * POST /api/v1/events: reports what the user did with a warning.
 * @param {ApiEnv} env
 * @param {object} ev
 * @param {number} ms
 * @returns {Promise<void>}
 */
export async function postEvent(env, ev, ms) {
  const r = await request(env, "/api/v1/events", { method: "POST", body: ev, ms, what: "for the report" });
  if (r.status < 200 || r.status >= 300) {
    throw new SendguardError(`the server refused the report (HTTP ${r.status})`, "server");
  }
}
