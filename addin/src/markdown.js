/**
 * Alert text for the Smart Alerts dialog: Markdown and plain variants, both
 * within Office's 500-character limit. Pure functions, no Office.
 */

import { MAX_ALERT_CHARS } from "./ids.js";

/**
 * Escapes the characters the Smart Alerts Markdown subset would interpret,
 * so a finding's text is shown as written.
 * @param {string} s
 * @returns {string}
 */
export function escapeMarkdown(s) {
  return String(s).replace(/[\\`*_{}\[\]()#+\-.!|<>~]/g, (c) => "\\" + c);
}

/**
 * Joins a head, bullet lines and a tail, dropping bullets from the end
 * (replaced by "and N more") until the text fits in max characters. A
 * bullet that alone is too long is cut with an ellipsis.
 * @param {{head: string, bullets: string[], tail: string, more: (n: number) => string, max?: number, sep?: string}} parts
 * @returns {string}
 */
export function fitAlert(parts) {
  const max = parts.max || MAX_ALERT_CHARS;
  const sep = parts.sep === undefined ? "\n" : parts.sep;
  const build = (bullets, dropped) => {
    const lines = [parts.head].concat(bullets);
    if (dropped > 0) lines.push(parts.more(dropped));
    if (parts.tail) lines.push(parts.tail);
    return lines.filter((l) => l !== "").join(sep);
  };
  let bullets = parts.bullets.slice();
  let dropped = 0;
  let text = build(bullets, dropped);
  while (text.length > max && bullets.length > 1) {
    bullets.pop();
    dropped++;
    text = build(bullets, dropped);
  }
  if (text.length > max && bullets.length === 1) {
    const over = text.length - max;
    const b = bullets[0];
    bullets = [truncate(b, Math.max(8, b.length - over))];
    text = build(bullets, dropped);
  }
  return truncate(text, max);
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
