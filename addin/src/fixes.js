/**
 * Plans how a fix changes the item being composed, as a list of Office
 * recipient/subject calls. Pure: item.js executes the plan. Office takes at
 * most 100 recipients per setAsync/addAsync call, so lists are chunked.
 */

import { MAX_RECIPIENTS_PER_CALL } from "./ids.js";
import { normalizeAddress } from "./message.js";

/**
 * @typedef {{displayName?: string, emailAddress: string}} Addr
 * @typedef {{to: Addr[], cc: Addr[], bcc: Addr[], subject: string}} ItemState
 * @typedef {{field: "to"|"cc"|"bcc", method: "setAsync"|"addAsync", recipients: Addr[]}
 *   | {field: "subject", method: "setAsync", value: string}} Op
 */

/**
 * Splits list into chunks of at most size items.
 * @template T
 * @param {T[]} list
 * @param {number} [size]
 * @returns {T[][]}
 */
export function chunk(list, size) {
  const n = size || MAX_RECIPIENTS_PER_CALL;
  const out = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/**
 * Ops that make field hold exactly list: one setAsync with the first chunk
 * (an empty list clears the field), then addAsync for the rest.
 * @param {"to"|"cc"|"bcc"} field
 * @param {Addr[]} list
 * @returns {Op[]}
 */
export function setField(field, list) {
  const parts = chunk(list);
  if (parts.length === 0) return [{ field, method: "setAsync", recipients: [] }];
  return parts.map((p, i) => ({ field, method: i === 0 ? "setAsync" : "addAsync", recipients: p }));
}

/** @param {Addr} a */
const key = (a) => normalizeAddress(a.emailAddress);

/**
 * Copies an address into the shape setAsync takes.
 * @param {Addr} a
 * @returns {Addr}
 */
function clean(a) {
  return { displayName: a.displayName || a.emailAddress, emailAddress: a.emailAddress };
}

/**
 * Moves the named recipients (every To and Cc recipient when none are named) from
 * To and Cc to Bcc. Bcc is extended first, so a failure halfway leaves a
 * recipient visible twice rather than dropped.
 * @param {ItemState} item
 * @param {string[]} addresses
 * @returns {Op[]}
 */
export function planMoveToBcc(item, addresses) {
  const want = {};
  for (const a of addresses || []) want[normalizeAddress(a)] = true;
  const all = !addresses || addresses.length === 0;
  const moving = [];
  const inBcc = {};
  for (const a of item.bcc) inBcc[key(a)] = true;
  const keep = { to: [], cc: [] };
  for (const field of ["to", "cc"]) {
    for (const a of item[field]) {
      if (all || want[key(a)]) {
        if (!inBcc[key(a)]) {
          inBcc[key(a)] = true;
          moving.push(clean(a));
        }
      } else {
        keep[field].push(clean(a));
      }
    }
  }
  if (moving.length === 0 && keep.to.length === item.to.length && keep.cc.length === item.cc.length) return [];
  const ops = chunk(moving).map((p) => ({ field: "bcc", method: "addAsync", recipients: p }));
  if (keep.to.length !== item.to.length) ops.push(...setField("to", keep.to));
  if (keep.cc.length !== item.cc.length) ops.push(...setField("cc", keep.cc));
  return ops;
}

/**
 * Removes the named recipients from every field.
 * @param {ItemState} item
 * @param {string[]} addresses
 * @returns {Op[]}
 */
export function planRemove(item, addresses) {
  const drop = {};
  for (const a of addresses || []) drop[normalizeAddress(a)] = true;
  const ops = [];
  for (const field of ["to", "cc", "bcc"]) {
    const kept = item[field].filter((a) => !drop[key(a)]).map(clean);
    if (kept.length !== item[field].length) ops.push(...setField(field, kept));
  }
  return ops;
}

/**
 * Replaces a mistyped address with the suggested one in place, keeping
 * the display name the user picked.
 * @param {ItemState} item
 * @param {string[]} wrong
 * @param {string} right
 * @returns {Op[]}
 */
export function planReplace(item, wrong, right) {
  if (!right) return [];
  const bad = {};
  for (const a of wrong || []) bad[normalizeAddress(a)] = true;
  const ops = [];
  for (const field of ["to", "cc", "bcc"]) {
    let changed = false;
    const seen = {};
    const next = [];
    for (const a of item[field]) {
      const replaced = bad[key(a)] ? { displayName: a.displayName && a.displayName !== a.emailAddress ? a.displayName : right, emailAddress: right } : clean(a);
      if (bad[key(a)]) changed = true;
      if (seen[key(replaced)]) {
        changed = true;
        continue;
      }
      seen[key(replaced)] = true;
      next.push(replaced);
    }
    if (changed) ops.push(...setField(field, next));
  }
  return ops;
}

/**
 * Adds the tag to the front of the subject unless it is there already
 * (any case), keeping the subject within Outlook's 255 characters.
 * @param {ItemState} item
 * @param {string} tag
 * @returns {Op[]}
 */
export function planSubjectTag(item, tag) {
  const t = tag || "[secure]";
  const subject = item.subject || "";
  if (subject.toLowerCase().indexOf(t.toLowerCase()) >= 0) return [];
  return [{ field: "subject", method: "setAsync", value: (t + " " + subject).slice(0, 255).replace(/\s+$/, "") }];
}

/**
 * Plans any fix the engine can propose.
 * @param {ItemState} item
 * @param {{kind: string, recipients?: string[], value?: string}} fix
 * @returns {Op[]}
 */
export function planFix(item, fix) {
  switch (fix.kind) {
    case "move-to-bcc":
      return planMoveToBcc(item, fix.recipients || []);
    case "remove-recipient":
      return planRemove(item, fix.recipients || []);
    case "replace-recipient":
      return planReplace(item, fix.recipients || [], fix.value || "");
    case "add-subject-tag":
      return planSubjectTag(item, fix.value || "");
    default:
      throw new Error(`unknown fix kind ${fix.kind}`);
  }
}
