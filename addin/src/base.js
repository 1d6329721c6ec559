/**
 * Finds the server's base URL at run time, so one build serves any host:
 * the add-in's files live under {base}/addin/.
 */

/**
 * Derives the base URL from the page's location (browser runtimes) or,
 * in classic Outlook's JavaScript-only runtime, from the URL Office loaded
 * the script from (Mailbox 1.14).
 * @param {object} g the global object
 * @returns {string} base URL without trailing slash, or "" when unknown
 */
export function baseUrl(g) {
  const candidates = [];
  if (g.location && typeof g.location.href === "string") candidates.push(g.location.href);
  const urls = g.Office && g.Office.context && g.Office.context.urls;
  if (urls && typeof urls.javascriptRuntimeUrl === "string") candidates.push(urls.javascriptRuntimeUrl);
  for (const href of candidates) {
    const i = href.lastIndexOf("/addin/");
    if (/^https?:\/\//.test(href) && i > 0) return href.slice(0, i);
  }
  return "";
}
