/**
 * Finds the server's base URL at run time, so one build serves any host:
 * the add-in's files live under {base}/addin/.
 */

/**
 * What the server writes into the served script (addin.FilesFor): its
 * public base URL. The placeholder survives bundling because it is a
 * string; an unreplaced one is ignored.
 */
const BAKED = "__SENDGUARD_BASE_URL__";

/**
 * Finds the base URL: the page's location (browser runtimes, where calls
 * then stay same-origin), else the one the server baked into the script,
 * else, in classic Outlook's JavaScript-only runtime from Mailbox 1.14,
 * the URL Office loaded the script from.
 * @param {object} g the global object
 * @param {string} [baked] the baked value (tests pass their own)
 * @returns {string} base URL without trailing slash, or "" when unknown
 */
export function baseUrl(g, baked) {
  const b = baked === undefined ? BAKED : baked;
  const fromPage = g.location && typeof g.location.href === "string" ? underAddin(g.location.href) : "";
  if (fromPage) return fromPage;
  if (/^https?:\/\/[^_]/.test(b)) return b.replace(/\/+$/, "");
  const urls = g.Office && g.Office.context && g.Office.context.urls;
  return urls && typeof urls.javascriptRuntimeUrl === "string" ? underAddin(urls.javascriptRuntimeUrl) : "";
}

/**
 * The part of an add-in file's URL before /addin/, or "".
 * @param {string} href
 * @returns {string}
 */
function underAddin(href) {
  const i = href.lastIndexOf("/addin/");
  return /^https?:\/\//.test(href) && i > 0 ? href.slice(0, i) : "";
}
