/**
 * Alert text for the Smart Alerts dialog: Markdown and plain variants, both
 * within Office's 500-character limit. Pure functions, no Office.
 */

import { MAX_ALERT_CHARS } from "./ids.js";

/**
 * Escapes the characters the Smart Alerts Markdown subset interprets
 * (emphasis, links, code, the escape itself), so a finding's text is shown
 * as written. Outlook honours backslash escapes.
 * @param {string} s
 * @returns {string}
 */
export function escapeMarkdown(s) {
  return String(s).replace(/[\\`*_\[\]]/g, (c) => "\\" + c);
}

/**
 * Renders bullets with render(), dropping bullets from the end (replaced
 * by more(n)) until the text fits in max characters. A bullet that alone
 * is too long is cut with an ellipsis.
 * @param {(bullets: string[]) => string} render
 * @param {string[]} bullets
 * @param {(n: number) => string} more the "and n more" bullet
 * @param {number} [max]
 * @returns {string}
 */
export function fitAlert(render, bullets, more, max) {
  const limit = max || MAX_ALERT_CHARS;
  let kept = bullets.slice();
  let dropped = 0;
  const text = () => render(dropped > 0 ? kept.concat([more(dropped)]) : kept);
  let out = text();
  while (out.length > limit && kept.length > 1) {
    kept.pop();
    dropped++;
    out = text();
  }
  if (out.length > limit && kept.length === 1) {
    const b = kept[0];
    kept = [truncate(b, Math.max(8, b.length - (out.length - limit)))];
    out = text();
  }
  return truncate(out, limit);
}

/**
 * Cuts s to at most max characters, ending with an ellipsis when cut. It
 * never leaves a dangling backslash escape or splits a surrogate pair.
 * @param {string} s
 * @param {number} max
 * @returns {string}
 */
export function truncate(s, max) {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  let slashes = 0;
  for (let i = cut.length - 1; i >= 0 && cut[i] === "\\"; i--) slashes++;
  if (slashes % 2 === 1) cut = cut.slice(0, -1);
  return cut + "…";
}
