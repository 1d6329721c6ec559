/**
 * The access token for Sendguard's API, isolated here so the rest of the
 * add-in knows nothing of identity. Office's single sign-on API gives a
 * token for the app named in the manifest's WebApplicationInfo; in --dev
 * mode the server needs none, so every failure here means "no token" and
 * the server decides.
 */

import { withTimeout } from "./async.js";

/** Reuse a token for this long; Office caches and refreshes it anyway. */
const REUSE_MS = 5 * 60 * 1000;

/**
 * Returns a function that resolves a bearer token or "".
 * @param {object} g the global object (Office lives there)
 * @param {() => number} now
 * @returns {() => Promise<string>}
 */
export function tokenSource(g, now) {
  let cached = "";
  let at = 0;
  let failed = false;
  return async function token() {
    if (cached && now() - at < REUSE_MS) return cached;
    const auth = g.Office && g.Office.auth;
    if (failed || !auth || typeof auth.getAccessToken !== "function") return "";
    try {
      const t = await withTimeout(Promise.resolve(auth.getAccessToken({ allowSignInPrompt: false, allowConsentPrompt: false })), 1500, "signing in");
      if (typeof t === "string" && t) {
        cached = t;
        at = now();
        return t;
      }
    } catch (e) {
      // Not signed in, SSO unsupported or not consented: ask once per
      // runtime, not on every send.
      failed = true;
    }
    return "";
  };
}
